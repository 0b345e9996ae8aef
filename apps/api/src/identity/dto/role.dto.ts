import { Type } from 'class-transformer';
import { IsDefined, IsObject, IsOptional, IsString, MaxLength, MinLength, ValidateNested } from 'class-validator';
import { ofType, required, tooLong, tooShort } from './keystone-validation';

/** Keystone assignment/schema.py `role_create`; a `domain_id` makes a domain-specific role. */
export class RoleCreate {
  @IsDefined(required()) @IsString(ofType('string')) @MinLength(1, tooShort()) @MaxLength(255, tooLong(255)) name!: string;
  @IsOptional() @IsString(ofType('string')) domain_id?: string | null;
  @IsOptional() @IsString(ofType('string')) description?: string | null;
  @IsOptional() @IsObject(ofType('object')) options?: Record<string, never>;
}

export class RoleCreateBody {
  @IsDefined(required()) @IsObject(ofType('object')) @ValidateNested() @Type(() => RoleCreate) role!: RoleCreate;
}

/** Keystone assignment/schema.py `role_update`: every field optional. */
export class RoleUpdate {
  @IsOptional() @IsString(ofType('string')) @MinLength(1, tooShort()) @MaxLength(255, tooLong(255)) name?: string;
  @IsOptional() @IsString(ofType('string')) description?: string | null;
  @IsOptional() @IsObject(ofType('object')) options?: Record<string, boolean>;
}

export class RoleUpdateBody {
  @IsDefined(required()) @IsObject(ofType('object')) @ValidateNested() @Type(() => RoleUpdate) role!: RoleUpdate;
}

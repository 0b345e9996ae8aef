import { Type } from 'class-transformer';
import { IsDefined, IsObject, IsOptional, IsString, MaxLength, MinLength, ValidateNested } from 'class-validator';
import { ofType, required, tooLong, tooShort } from './keystone-validation';

/** Keystone identity/schema.py `group_create`. */
export class GroupCreate {
  @IsDefined(required()) @IsString(ofType('string')) @MinLength(1, tooShort()) @MaxLength(255, tooLong(255)) name!: string;
  @IsOptional() @IsString(ofType('string')) domain_id?: string;
  @IsOptional() @IsString(ofType('string')) description?: string | null;
}

export class GroupCreateBody {
  @IsDefined(required()) @IsObject(ofType('object')) @ValidateNested() @Type(() => GroupCreate) group!: GroupCreate;
}

/** Keystone identity/schema.py `group_update`: every field optional. */
export class GroupUpdate {
  @IsOptional() @IsString(ofType('string')) @MinLength(1, tooShort()) @MaxLength(255, tooLong(255)) name?: string;
  @IsOptional() @IsString(ofType('string')) description?: string | null;
}

export class GroupUpdateBody {
  @IsDefined(required()) @IsObject(ofType('object')) @ValidateNested() @Type(() => GroupUpdate) group!: GroupUpdate;
}

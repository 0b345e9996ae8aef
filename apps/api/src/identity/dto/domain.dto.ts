import { Type } from 'class-transformer';
import { IsBoolean, IsDefined, IsObject, IsOptional, IsString, MaxLength, MinLength, ValidateNested } from 'class-validator';
import { ofType, required, tooLong, tooShort } from './keystone-validation';

/** Keystone resource/schema.py `domain_create`. */
export class DomainCreate {
  @IsDefined(required()) @IsString(ofType('string')) @MinLength(1, tooShort()) @MaxLength(64, tooLong(64)) name!: string;
  @IsOptional() @IsString(ofType('string')) description?: string;
  @IsOptional() @IsBoolean(ofType('boolean')) enabled?: boolean;
  @IsOptional() @IsObject(ofType('object')) options?: Record<string, never>;
}

export class DomainCreateBody {
  @IsDefined(required()) @IsObject(ofType('object')) @ValidateNested() @Type(() => DomainCreate) domain!: DomainCreate;
}

export class DomainUpdate {
  @IsOptional() @IsString(ofType('string')) @MinLength(1, tooShort()) @MaxLength(64, tooLong(64)) name?: string;
  @IsOptional() @IsString(ofType('string')) description?: string | null;
  @IsOptional() @IsBoolean(ofType('boolean')) enabled?: boolean;
}

export class DomainUpdateBody {
  @IsDefined(required()) @IsObject(ofType('object')) @ValidateNested() @Type(() => DomainUpdate) domain!: DomainUpdate;
}

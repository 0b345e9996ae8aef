import { Type } from 'class-transformer';
import { IsArray, IsBoolean, IsDefined, IsObject, IsOptional, IsString, MaxLength, MinLength, ValidateNested } from 'class-validator';
import { ofType, required, tooLong, tooShort } from './keystone-validation';

export class RoleRefInput {
  @IsOptional() @IsString(ofType('string')) id?: string;
  @IsOptional() @IsString(ofType('string')) name?: string;
}

/** Keystone application_credential/schema.py `application_credential_create`. */
export class ApplicationCredentialCreate {
  @IsDefined(required()) @IsString(ofType('string')) @MinLength(1, tooShort()) @MaxLength(255, tooLong(255)) name!: string;
  @IsOptional() @IsString(ofType('string')) description?: string | null;
  @IsOptional() @IsString(ofType('string')) secret?: string | null;
  @IsOptional() @IsString(ofType('string')) expires_at?: string | null;
  @IsOptional() @IsArray(ofType('array')) @ValidateNested({ each: true }) @Type(() => RoleRefInput) roles?: RoleRefInput[];
  @IsOptional() @IsBoolean(ofType('boolean')) unrestricted?: boolean;
}

export class ApplicationCredentialCreateBody {
  @IsDefined(required()) @IsObject(ofType('object')) @ValidateNested() @Type(() => ApplicationCredentialCreate) application_credential!: ApplicationCredentialCreate;
}

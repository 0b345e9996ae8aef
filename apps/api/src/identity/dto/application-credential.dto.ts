import { Type } from 'class-transformer';
import { IsArray, IsBoolean, IsDefined, IsIn, IsObject, IsOptional, IsString, MaxLength, MinLength, ValidateNested } from 'class-validator';
import { ofType, required, tooLong, tooShort } from './keystone-validation';

const ACCESS_RULE_METHODS = ['POST', 'GET', 'HEAD', 'PATCH', 'PUT', 'DELETE'];

export class RoleRefInput {
  @IsOptional() @IsString(ofType('string')) id?: string;
  @IsOptional() @IsString(ofType('string')) name?: string;
}

/** Keystone `_access_rules_properties`: a rule by id, or by service, method and path. */
export class AccessRuleInput {
  @IsOptional() @IsString(ofType('string')) id?: string;
  @IsOptional() @IsString(ofType('string')) @MaxLength(225, tooLong(225)) path?: string;
  @IsOptional() @IsString(ofType('string')) @IsIn(ACCESS_RULE_METHODS, { message: (a) => `${JSON.stringify(a.value)} is not one of ${JSON.stringify(ACCESS_RULE_METHODS)}` }) method?: string;
  @IsOptional() @IsString(ofType('string')) service?: string;
}

/** Keystone application_credential/schema.py `application_credential_create`. */
export class ApplicationCredentialCreate {
  @IsDefined(required()) @IsString(ofType('string')) @MinLength(1, tooShort()) @MaxLength(255, tooLong(255)) name!: string;
  @IsOptional() @IsString(ofType('string')) description?: string | null;
  @IsOptional() @IsString(ofType('string')) secret?: string | null;
  @IsOptional() @IsString(ofType('string')) expires_at?: string | null;
  @IsOptional() @IsArray(ofType('array')) @ValidateNested({ each: true }) @Type(() => RoleRefInput) roles?: RoleRefInput[];
  @IsOptional() @IsBoolean(ofType('boolean')) unrestricted?: boolean;
  @IsOptional() @IsArray(ofType('array')) @ValidateNested({ each: true }) @Type(() => AccessRuleInput) access_rules?: AccessRuleInput[];
}

export class ApplicationCredentialCreateBody {
  @IsDefined(required()) @IsObject(ofType('object')) @ValidateNested() @Type(() => ApplicationCredentialCreate) application_credential!: ApplicationCredentialCreate;
}

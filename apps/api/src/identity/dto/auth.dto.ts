import { Type } from 'class-transformer';
import { ArrayNotEmpty, Equals, IsArray, IsDefined, IsIn, IsObject, IsOptional, IsString, ValidateNested } from 'class-validator';
import { ofType, required } from './keystone-validation';

export class NameOrIdRef {
  @IsOptional() @IsString(ofType('string')) id?: string;
  @IsOptional() @IsString(ofType('string')) name?: string;
  @IsOptional() @ValidateNested() @Type(() => NameOrIdRef) domain?: NameOrIdRef;
}

export class PasswordUser extends NameOrIdRef {
  @IsDefined(required()) @IsString(ofType('string')) password!: string;
}

export class PasswordMethod {
  @IsDefined(required()) @IsObject(ofType('object')) @ValidateNested() @Type(() => PasswordUser) user!: PasswordUser;
}

export class TokenMethod {
  @IsDefined(required()) @IsString(ofType('string')) id!: string;
}

export class ApplicationCredentialMethod {
  @IsOptional() @IsString(ofType('string')) id?: string;
  @IsOptional() @IsString(ofType('string')) name?: string;
  @IsOptional() @ValidateNested() @Type(() => NameOrIdRef) user?: NameOrIdRef;
  @IsDefined(required()) @IsString(ofType('string')) secret!: string;
}

export class AuthIdentity {
  @IsDefined(required()) @IsArray(ofType('array')) @ArrayNotEmpty() @IsIn(['password', 'token', 'application_credential'], { each: true }) methods!: string[];
  @IsOptional() @ValidateNested() @Type(() => PasswordMethod) password?: PasswordMethod;
  @IsOptional() @ValidateNested() @Type(() => TokenMethod) token?: TokenMethod;
  @IsOptional() @ValidateNested() @Type(() => ApplicationCredentialMethod) application_credential?: ApplicationCredentialMethod;
}

export class SystemScope {
  @Equals(true) all!: boolean;
}

/** `scope: {"OS-TRUST:trust": {"id": ...}}` (Keystone auth/schema.py `token_issue`). */
export class TrustScope {
  @IsDefined(required()) @IsString(ofType('string')) id!: string;
}

export class AuthScope {
  @IsOptional() @IsObject(ofType('object')) @ValidateNested() @Type(() => TrustScope) 'OS-TRUST:trust'?: TrustScope;
  @IsOptional() @ValidateNested() @Type(() => NameOrIdRef) project?: NameOrIdRef;
  @IsOptional() @ValidateNested() @Type(() => NameOrIdRef) domain?: NameOrIdRef;
  @IsOptional() @ValidateNested() @Type(() => SystemScope) system?: SystemScope;
}

export class AuthBody {
  @IsDefined(required()) @IsObject(ofType('object')) @ValidateNested() @Type(() => AuthIdentity) identity!: AuthIdentity;
  @IsOptional() @ValidateNested() @Type(() => AuthScope) scope?: AuthScope | null;
}

export class AuthRequest {
  @IsDefined(required()) @IsObject(ofType('object')) @ValidateNested() @Type(() => AuthBody) auth!: AuthBody;
}

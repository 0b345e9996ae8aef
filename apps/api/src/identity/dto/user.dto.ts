import { Type } from 'class-transformer';
import { IsBoolean, IsDefined, IsObject, IsOptional, IsString, MaxLength, MinLength, ValidateNested } from 'class-validator';
import { ofType, required, tooLong, tooShort } from './keystone-validation';

/** Keystone identity/schema.py `user_create`; an empty password is accepted, as Keystone does. */
export class UserCreate {
  @IsDefined(required()) @IsString(ofType('string')) @MinLength(1, tooShort()) @MaxLength(255, tooLong(255)) name!: string;
  @IsOptional() @IsString(ofType('string')) domain_id?: string;
  @IsOptional() @IsString(ofType('string')) password?: string | null;
  @IsOptional() @IsBoolean(ofType('boolean')) enabled?: boolean;
  @IsOptional() @IsString(ofType('string')) default_project_id?: string | null;
  @IsOptional() @IsString(ofType('string')) description?: string | null;
  @IsOptional() @IsString(ofType('string')) email?: string;
  @IsOptional() @IsObject(ofType('object')) options?: Record<string, never>;
}

export class UserCreateBody {
  @IsDefined(required()) @IsObject(ofType('object')) @ValidateNested() @Type(() => UserCreate) user!: UserCreate;
}

export class UserUpdate {
  @IsOptional() @IsString(ofType('string')) @MinLength(1, tooShort()) @MaxLength(255, tooLong(255)) name?: string;
  @IsOptional() @IsString(ofType('string')) password?: string | null;
  @IsOptional() @IsBoolean(ofType('boolean')) enabled?: boolean;
  @IsOptional() @IsString(ofType('string')) default_project_id?: string | null;
  @IsOptional() @IsString(ofType('string')) description?: string | null;
  @IsOptional() @IsString(ofType('string')) email?: string | null;
  @IsOptional() @IsObject(ofType('object')) options?: Record<string, never>;
}

export class UserUpdateBody {
  @IsDefined(required()) @IsObject(ofType('object')) @ValidateNested() @Type(() => UserUpdate) user!: UserUpdate;
}

export class PasswordChange {
  @IsDefined(required()) @IsString(ofType('string')) password!: string;
  @IsDefined(required()) @IsString(ofType('string')) original_password!: string;
}

export class PasswordChangeBody {
  @IsDefined(required()) @IsObject(ofType('object')) @ValidateNested() @Type(() => PasswordChange) user!: PasswordChange;
}

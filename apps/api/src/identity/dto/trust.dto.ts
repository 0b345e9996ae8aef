import { Type } from 'class-transformer';
import { IsArray, IsBoolean, IsDefined, IsInt, IsObject, IsOptional, IsString, Min, ValidateNested } from 'class-validator';
import { ofType, required } from './keystone-validation';

export class TrustRoleRef {
  @IsOptional() @IsString(ofType('string')) id?: string;
  @IsOptional() @IsString(ofType('string')) name?: string;
}

const atLeast = (min: number) => ({ message: (a: { value: unknown }) => `${JSON.stringify(a.value)} is less than the minimum of ${min}` });

/** Keystone trust/schema.py `trust_create_request_body`. */
export class TrustCreate {
  @IsDefined(required()) @IsString(ofType('string')) trustor_user_id!: string;
  @IsDefined(required()) @IsString(ofType('string')) trustee_user_id!: string;
  @IsDefined(required()) @IsBoolean(ofType('boolean')) impersonation!: boolean;
  @IsOptional() @IsString(ofType('string')) project_id?: string | null;
  @IsOptional() @IsArray(ofType('array')) @ValidateNested({ each: true }) @Type(() => TrustRoleRef) roles?: TrustRoleRef[];
  @IsOptional() @IsString(ofType('string')) expires_at?: string | null;
  @IsOptional() @IsInt(ofType('integer')) @Min(1, atLeast(1)) remaining_uses?: number | null;
  @IsOptional() @IsBoolean(ofType('boolean')) allow_redelegation?: boolean | null;
  @IsOptional() @IsInt(ofType('integer')) @Min(0, atLeast(0)) redelegation_count?: number | null;
}

export class TrustCreateBody {
  @IsDefined(required()) @IsObject(ofType('object')) @ValidateNested() @Type(() => TrustCreate) trust!: TrustCreate;
}

import { Type } from 'class-transformer';
import { IsBoolean, IsDefined, IsIn, IsObject, IsOptional, IsString, MaxLength, MinLength, ValidateNested } from 'class-validator';
import { ofType, required, tooLong, tooShort } from './keystone-validation';

/** Keystone catalog/schema.py `region_create`: the id may be chosen by the client. */
export class RegionCreate {
  @IsOptional() @IsString(ofType('string')) @MinLength(1, tooShort()) @MaxLength(255, tooLong(255)) id?: string;
  @IsOptional() @IsString(ofType('string')) description?: string | null;
  @IsOptional() @IsString(ofType('string')) parent_region_id?: string | null;
  @IsOptional() @IsBoolean(ofType('boolean')) enabled?: boolean;
}

export class RegionCreateBody {
  @IsDefined(required()) @IsObject(ofType('object')) @ValidateNested() @Type(() => RegionCreate) region!: RegionCreate;
}

export class ServiceCreate {
  @IsDefined(required()) @IsString(ofType('string')) @MinLength(1, tooShort()) @MaxLength(255, tooLong(255)) type!: string;
  @IsOptional() @IsString(ofType('string')) name?: string | null;
  @IsOptional() @IsString(ofType('string')) description?: string | null;
  @IsOptional() @IsBoolean(ofType('boolean')) enabled?: boolean;
}

export class ServiceCreateBody {
  @IsDefined(required()) @IsObject(ofType('object')) @ValidateNested() @Type(() => ServiceCreate) service!: ServiceCreate;
}

export class EndpointCreate {
  @IsDefined(required()) @IsString(ofType('string')) service_id!: string;
  @IsDefined(required()) @IsIn(['public', 'internal', 'admin'], { message: (a) => `${JSON.stringify(a.value)} is not one of ['admin', 'internal', 'public']` }) interface!: 'public' | 'internal' | 'admin';
  @IsDefined(required()) @IsString(ofType('string')) url!: string;
  @IsOptional() @IsString(ofType('string')) region_id?: string | null;
  /** Legacy name of region_id that the CLI still sends. */
  @IsOptional() @IsString(ofType('string')) region?: string | null;
  @IsOptional() @IsBoolean(ofType('boolean')) enabled?: boolean;
}

export class EndpointCreateBody {
  @IsDefined(required()) @IsObject(ofType('object')) @ValidateNested() @Type(() => EndpointCreate) endpoint!: EndpointCreate;
}

/** Keystone catalog/schema.py `region_update`: every field optional, the id is the path's. */
export class RegionUpdate {
  @IsOptional() @IsString(ofType('string')) description?: string | null;
  @IsOptional() @IsString(ofType('string')) parent_region_id?: string | null;
  @IsOptional() @IsBoolean(ofType('boolean')) enabled?: boolean;
}

export class RegionUpdateBody {
  @IsDefined(required()) @IsObject(ofType('object')) @ValidateNested() @Type(() => RegionUpdate) region!: RegionUpdate;
}

export class ServiceUpdate {
  @IsOptional() @IsString(ofType('string')) @MinLength(1, tooShort()) @MaxLength(255, tooLong(255)) type?: string;
  @IsOptional() @IsString(ofType('string')) name?: string | null;
  @IsOptional() @IsString(ofType('string')) description?: string | null;
  @IsOptional() @IsBoolean(ofType('boolean')) enabled?: boolean;
}

export class ServiceUpdateBody {
  @IsDefined(required()) @IsObject(ofType('object')) @ValidateNested() @Type(() => ServiceUpdate) service!: ServiceUpdate;
}

export class EndpointUpdate {
  @IsOptional() @IsString(ofType('string')) service_id?: string;
  @IsOptional() @IsIn(['public', 'internal', 'admin'], { message: (a) => `${JSON.stringify(a.value)} is not one of ['admin', 'internal', 'public']` }) interface?: 'public' | 'internal' | 'admin';
  @IsOptional() @IsString(ofType('string')) url?: string;
  @IsOptional() @IsString(ofType('string')) region_id?: string | null;
  /** Legacy name of region_id that the CLI still sends. */
  @IsOptional() @IsString(ofType('string')) region?: string | null;
  @IsOptional() @IsBoolean(ofType('boolean')) enabled?: boolean;
}

export class EndpointUpdateBody {
  @IsDefined(required()) @IsObject(ofType('object')) @ValidateNested() @Type(() => EndpointUpdate) endpoint!: EndpointUpdate;
}

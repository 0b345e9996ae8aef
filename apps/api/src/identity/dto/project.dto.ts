import { Type } from 'class-transformer';
import { IsArray, IsBoolean, IsDefined, IsObject, IsOptional, IsString, MaxLength, MinLength, ValidateNested } from 'class-validator';
import { ofType, required, tooLong, tooShort } from './keystone-validation';

/** Keystone resource/schema.py `project_create`. */
export class ProjectCreate {
  @IsDefined(required()) @IsString(ofType('string')) @MinLength(1, tooShort()) @MaxLength(64, tooLong(64)) name!: string;
  @IsOptional() @IsString(ofType('string')) description?: string;
  @IsOptional() @IsString(ofType('string')) domain_id?: string;
  @IsOptional() @IsBoolean(ofType('boolean')) enabled?: boolean;
  @IsOptional() @IsBoolean(ofType('boolean')) is_domain?: boolean;
  @IsOptional() @IsString(ofType('string')) parent_id?: string;
  @IsOptional() @IsArray(ofType('array')) @IsString({ each: true, ...ofType('string') }) tags?: string[];
  @IsOptional() @IsObject(ofType('object')) options?: Record<string, never>;
}

export class ProjectCreateBody {
  @IsDefined(required()) @IsObject(ofType('object')) @ValidateNested() @Type(() => ProjectCreate) project!: ProjectCreate;
}

/** Keystone resource/schema.py `project_update`: every field optional. */
export class ProjectUpdate {
  @IsOptional() @IsString(ofType('string')) @MinLength(1, tooShort()) @MaxLength(64, tooLong(64)) name?: string;
  @IsOptional() @IsString(ofType('string')) description?: string | null;
  @IsOptional() @IsBoolean(ofType('boolean')) enabled?: boolean;
  @IsOptional() @IsArray(ofType('array')) @IsString({ each: true, ...ofType('string') }) tags?: string[];
}

export class ProjectUpdateBody {
  @IsDefined(required()) @IsObject(ofType('object')) @ValidateNested() @Type(() => ProjectUpdate) project!: ProjectUpdate;
}

/** Keystone resource/schema.py `project_tags_update`: PUT /v3/projects/{id}/tags. */
export class ProjectTagsBody {
  @IsDefined(required()) @IsArray(ofType('array')) @IsString({ each: true, ...ofType('string') }) tags!: string[];
}

import { ValidationArguments, ValidationError, ValidationOptions } from 'class-validator';
import { ValidationPipe } from '@nestjs/common';
import { KeystoneError } from '../keystone-errors';

/** jsonschema's wording, as Keystone returns it (test/fixtures/keystone/error-schema.md). */
export const ofType = (type: string): ValidationOptions => ({ message: (a: ValidationArguments) => `${JSON.stringify(a.value)} is not of type '${type}'` });
export const required = (): ValidationOptions => ({ message: (a: ValidationArguments) => `'${a.property}' is a required property` });
export const tooLong = (max: number): ValidationOptions => ({ message: (a: ValidationArguments) => `${JSON.stringify(a.value)} is too long (maximum ${max})` });
export const tooShort = (): ValidationOptions => ({ message: (a: ValidationArguments) => `${JSON.stringify(a.value)} is too short` });

const PRIORITY = ['isDefined', 'isObject', 'isString', 'isBoolean', 'isArray'];

function firstProblem(errors: ValidationError[], path: string[] = []): { path: string[]; message: string } | null {
  for (const e of errors) {
    const constraints = e.constraints ?? {};
    if (Object.keys(constraints).length > 0) {
      // jsonschema reports `required` and `type` before any length or format rule.
      const key = PRIORITY.find((k) => k in constraints) ?? Object.keys(constraints)[0];
      const message = constraints[key];
      // A missing property is reported on its parent object, as jsonschema does.
      return message.endsWith('is a required property') ? { path, message } : { path: [...path, e.property], message };
    }
    const nested = firstProblem(e.children ?? [], [...path, e.property]);
    if (nested) return nested;
  }
  return null;
}

export function keystoneValidationMessage(errors: ValidationError[]): string {
  const problem = firstProblem(errors);
  if (!problem) return 'Invalid input.';
  // Keystone validates the entity inside its wrapper (`{"project": {...}}`): fields are named from there.
  const field = problem.path.slice(1).join('/');
  return field ? `Invalid input for field '${field}': ${problem.message}` : problem.message;
}

/** class-validator at the edge; a bad body is a 400 in Keystone's body and nothing is written. */
export const keystoneValidationPipe = new ValidationPipe({
  transform: true,
  transformOptions: { enableImplicitConversion: false },
  validateCustomDecorators: false,
  exceptionFactory: (errors) => new KeystoneError(400, keystoneValidationMessage(errors)),
});

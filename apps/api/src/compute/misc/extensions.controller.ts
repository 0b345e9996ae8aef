import { Controller, Get, Param, UseFilters, UseGuards, UseInterceptors } from '@nestjs/common';
import { TokenGuard } from '../../../../shared/src/auth';
import { NovaExceptionFilter, notFound } from '../nova-errors';
import { NovaResponseInterceptor } from '../nova-responses';
import { EXTENSIONS } from './extension-list';

const extension = ([alias, name, description]: (typeof EXTENSIONS)[number]) => ({
  alias,
  description,
  links: [],
  name,
  namespace: 'http://docs.openstack.org/compute/ext/fake_xml',
  updated: '2014-12-03T00:00:00Z',
});

/**
 * Nova's legacy extension list (nova/api/openstack/compute/extension_info.py): the same list whatever the
 * microversion, for any user (`os_compute_api:extensions` is `@`); an unknown alias is webob's bare 404.
 */
@Controller('compute/v2.1/extensions')
@UseFilters(NovaExceptionFilter)
@UseGuards(TokenGuard)
@UseInterceptors(NovaResponseInterceptor)
export class ExtensionsController {
  @Get()
  list() {
    return { extensions: EXTENSIONS.map(extension) };
  }

  @Get(':alias')
  show(@Param('alias') alias: string) {
    const found = EXTENSIONS.find(([a]) => a === alias);
    if (!found) throw notFound('The resource could not be found.');
    return { extension: extension(found) };
  }
}

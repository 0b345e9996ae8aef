import { Conflict, NotFound, SYSTEM_ACTOR } from '../../kernel';
import { deciderSpec, FIXED_NOW } from '../../../test/support/decider-spec';
import { FlavorCommand, FlavorCreated, flavorDecider, FlavorEvent } from '.';

const metadata = { requestId: 'req-1', correlationId: 'c-1', causationId: 'req-1', actor: SYSTEM_ACTOR, now: FIXED_NOW };
const spec = deciderSpec(flavorDecider);
const cmd = <T extends FlavorCommand['type']>(type: T, data: Extract<FlavorCommand, { type: T }>['data']) => ({ type, data, metadata }) as FlavorCommand;

const tinyData: FlavorCreated['data'] = { flavorId: 'f1', name: 'tiny', vcpus: 1, memoryMb: 512, rootGb: 1, ephemeralGb: 0, swapMb: 0, rxtxFactor: 1, isPublic: true, description: null };
const created = (over: Partial<FlavorCreated['data']> = {}): FlavorEvent => ({ type: 'FlavorCreated', data: { ...tinyData, ...over } });
const deleted: FlavorEvent = { type: 'FlavorDeleted', data: { flavorId: 'f1', name: 'tiny' } };
const privateFlavor = created({ isPublic: false });

describe('flavor', () => {
  describe('when absent', () => {
    it('is created', () => {
      spec.given([]).when(cmd('CreateFlavor', tinyData)).then([created()]);
    });

    it.each([
      ['UpdateFlavorDescription', { flavorId: 'f1', description: 'x' }],
      ['SetFlavorExtraSpecs', { flavorId: 'f1', extraSpecs: { a: '1' } }],
      ['AddFlavorAccess', { flavorId: 'f1', projectId: 'p1' }],
      ['DeleteFlavor', { flavorId: 'f1' }],
    ] as const)('refuses %s with Nova\'s FlavorNotFound', (type, data) => {
      spec
        .given([])
        .when(cmd(type, data as never))
        .thenThrows(NotFound, (e) => expect(e.message).toBe('Flavor f1 could not be found.'));
    });
  });

  describe('when active', () => {
    it('refuses a second create with the same id', () => {
      spec
        .given([created()])
        .when(cmd('CreateFlavor', tinyData))
        .thenThrows(Conflict, (e) => expect(e.message).toBe('Flavor with ID f1 already exists.'));
    });

    it('updates the description, and does nothing when it is unchanged', () => {
      spec.given([created()]).when(cmd('UpdateFlavorDescription', { flavorId: 'f1', description: 'new' })).then([{ type: 'FlavorDescriptionUpdated', data: { flavorId: 'f1', description: 'new' } }]);
      spec.given([created({ description: 'new' })]).when(cmd('UpdateFlavorDescription', { flavorId: 'f1', description: 'new' })).thenNothingHappens();
    });

    it('records only the extra specs that change', () => {
      const set: FlavorEvent = { type: 'FlavorExtraSpecsSet', data: { flavorId: 'f1', extraSpecs: { a: '1', b: '2' } } };
      spec.given([created(), set]).when(cmd('SetFlavorExtraSpecs', { flavorId: 'f1', extraSpecs: { a: '1', b: '3' } })).then([{ type: 'FlavorExtraSpecsSet', data: { flavorId: 'f1', extraSpecs: { b: '3' } } }]);
      spec.given([created(), set]).when(cmd('SetFlavorExtraSpecs', { flavorId: 'f1', extraSpecs: { a: '1' } })).thenNothingHappens();
    });

    it('deletes an extra spec, and refuses a missing key', () => {
      const set: FlavorEvent = { type: 'FlavorExtraSpecsSet', data: { flavorId: 'f1', extraSpecs: { a: '1' } } };
      spec.given([created(), set]).when(cmd('DeleteFlavorExtraSpec', { flavorId: 'f1', key: 'a' })).then([{ type: 'FlavorExtraSpecDeleted', data: { flavorId: 'f1', key: 'a' } }]);
      spec
        .given([created(), set, { type: 'FlavorExtraSpecDeleted', data: { flavorId: 'f1', key: 'a' } }])
        .when(cmd('DeleteFlavorExtraSpec', { flavorId: 'f1', key: 'a' }))
        .thenThrows(NotFound, (e) => expect(e.message).toBe('Flavor f1 has no extra specs with key a.'));
    });

    it('gives a project access to a private flavor once', () => {
      const added: FlavorEvent = { type: 'FlavorAccessAdded', data: { flavorId: 'f1', projectId: 'p1' } };
      spec.given([privateFlavor]).when(cmd('AddFlavorAccess', { flavorId: 'f1', projectId: 'p1' })).then([added]);
      spec
        .given([privateFlavor, added])
        .when(cmd('AddFlavorAccess', { flavorId: 'f1', projectId: 'p1' }))
        .thenThrows(Conflict, (e) => expect(e.message).toBe('Flavor access already exists for flavor f1 and project p1 combination.'));
    });

    it('refuses access to a public flavor (2.7), but records it when the API allows it (before 2.7)', () => {
      spec
        .given([created()])
        .when(cmd('AddFlavorAccess', { flavorId: 'f1', projectId: 'p1' }))
        .thenThrows(Conflict, (e) => expect(e.message).toBe('Can not add access to a public flavor.'));
      spec.given([created()]).when(cmd('AddFlavorAccess', { flavorId: 'f1', projectId: 'p1', publicAllowed: true })).then([{ type: 'FlavorAccessAdded', data: { flavorId: 'f1', projectId: 'p1' } }]);
    });

    it('removes access, and refuses to remove access it does not have', () => {
      const added: FlavorEvent = { type: 'FlavorAccessAdded', data: { flavorId: 'f1', projectId: 'p1' } };
      spec.given([privateFlavor, added]).when(cmd('RemoveFlavorAccess', { flavorId: 'f1', projectId: 'p1' })).then([{ type: 'FlavorAccessRemoved', data: { flavorId: 'f1', projectId: 'p1' } }]);
      spec
        .given([privateFlavor])
        .when(cmd('RemoveFlavorAccess', { flavorId: 'f1', projectId: 'p2' }))
        .thenThrows(NotFound, (e) => expect(e.message).toBe('Flavor access not found for f1 / p2 combination.'));
    });

    it('is deleted with its name (for the name reservation)', () => {
      spec.given([created()]).when(cmd('DeleteFlavor', { flavorId: 'f1' })).then([deleted]);
    });
  });

  describe('when deleted', () => {
    it('refuses a second delete', () => {
      spec.given([created(), deleted]).when(cmd('DeleteFlavor', { flavorId: 'f1' })).thenThrows(NotFound);
    });

    it('lets the id be taken again (Nova hard-deletes flavors)', () => {
      spec.given([created(), deleted]).when(cmd('CreateFlavor', { ...tinyData, name: 'tiny2' })).then([created({ name: 'tiny2' })]);
    });
  });
});

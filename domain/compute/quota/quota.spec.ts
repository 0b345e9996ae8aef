import { InvalidInput, SYSTEM_ACTOR } from '../../kernel';
import { deciderSpec, FIXED_NOW } from '../../../test/support/decider-spec';
import { effectiveLimits, QUOTA_DEFAULTS, QuotaClassCommand, quotaClassDecider, QuotaClassEvent, QuotaCommand, quotaDecider, QuotaEvent } from '.';

const metadata = { requestId: 'req-1', correlationId: 'c-1', causationId: 'req-1', actor: SYSTEM_ACTOR, now: FIXED_NOW };
const spec = deciderSpec(quotaDecider);
const update = (limits: Record<string, number>, inUse: Record<string, number> = {}, force = false): QuotaCommand => ({ type: 'UpdateQuotaSet', data: { projectId: 'p1', limits, inUse, force }, metadata });
const revert: QuotaCommand = { type: 'RevertQuotaSet', data: { projectId: 'p1' }, metadata };
const updated = (limits: Record<string, number>): QuotaEvent => ({ type: 'QuotaSetUpdated', data: { projectId: 'p1', limits } });

describe('quota set', () => {
  it('effective limits are the defaults overridden by the project', () => {
    expect(effectiveLimits({ instances: 3 })).toEqual({ ...QUOTA_DEFAULTS, instances: 3 });
  });

  describe('with the defaults', () => {
    it('records the limits asked for', () => {
      spec.given([]).when(update({ instances: 3, cores: -1 })).then([updated({ instances: 3, cores: -1 })]);
    });

    it('records a limit equal to the default as an override of its own', () => {
      spec.given([]).when(update({ instances: 10 })).then([updated({ instances: 10 })]);
    });

    it("refuses a limit below what is in use with Nova's message", () => {
      spec
        .given([])
        .when(update({ instances: 2 }, { instances: 5 }))
        .thenThrows(InvalidInput, (e) => expect(e.message).toBe('Quota limit 2 for instances must be greater than or equal to already used and reserved 5.'));
    });

    it('takes a limit below usage when forced, and unlimited always', () => {
      spec.given([]).when(update({ instances: 2 }, { instances: 5 }, true)).then([updated({ instances: 2 })]);
      spec.given([]).when(update({ instances: -1 }, { instances: 5 })).then([updated({ instances: -1 })]);
    });

    it('ignores a revert', () => {
      spec.given([]).when(revert).thenNothingHappens();
    });
  });

  describe('with overrides', () => {
    it('records only the changed limits', () => {
      spec.given([updated({ instances: 3 })]).when(update({ instances: 3, cores: 4 })).then([updated({ cores: 4 })]);
      spec.given([updated({ instances: 3 })]).when(update({ instances: 3 })).thenNothingHappens();
    });

    it('reverts to the defaults', () => {
      spec.given([updated({ instances: 3 })]).when(revert).then([{ type: 'QuotaSetReverted', data: { projectId: 'p1' } }]);
    });
  });
});

describe('quota class set', () => {
  const classSpec = deciderSpec(quotaClassDecider);
  const updateClass = (limits: Record<string, number>): QuotaClassCommand => ({ type: 'UpdateQuotaClassSet', data: { className: 'default', limits }, metadata });
  const classUpdated = (limits: Record<string, number>): QuotaClassEvent => ({ type: 'QuotaClassSetUpdated', data: { className: 'default', limits } });

  it('records the limits that change, whatever the usage', () => {
    classSpec.given([]).when(updateClass({ instances: 110, cores: 120 })).then([classUpdated({ instances: 110, cores: 120 })]);
    classSpec.given([classUpdated({ instances: 110 })]).when(updateClass({ instances: 110, cores: 120 })).then([classUpdated({ cores: 120 })]);
    classSpec.given([classUpdated({ instances: 110 })]).when(updateClass({ instances: 110 })).thenNothingHappens();
  });

  it("changes every project's defaults, under the project's own limits", () => {
    expect(effectiveLimits({ instances: 3 }, { instances: 110, cores: 120 })).toEqual({ ...QUOTA_DEFAULTS, instances: 3, cores: 120 });
  });
});

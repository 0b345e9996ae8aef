import { ForegroundLoad } from './foreground';

describe('ForegroundLoad', () => {
  beforeEach(() => jest.useFakeTimers());
  afterEach(() => jest.useRealTimers());

  it('lets background work through at once while few requests are in flight', async () => {
    const load = new ForegroundLoad();
    load.enter();
    let through = false;
    void load.giveWay(1, 1000).then(() => (through = true));
    await Promise.resolve();
    expect(through).toBe(true);
  });

  it('holds it while more are in flight, until enough of them end', async () => {
    const load = new ForegroundLoad();
    const ends = [load.enter(), load.enter(), load.enter()];
    let through = false;
    void load.giveWay(1, 1000).then(() => (through = true));
    ends[0]();
    ends[0](); // a second call of the same end changes nothing
    await jest.advanceTimersByTimeAsync(10);
    expect(load.active).toBe(2);
    expect(through).toBe(false);
    ends[1]();
    await jest.advanceTimersByTimeAsync(0);
    expect(through).toBe(true);
  });

  it('never holds it longer than its bound', async () => {
    const load = new ForegroundLoad();
    for (let i = 0; i < 10; i++) load.enter();
    let through = false;
    void load.giveWay(2, 250).then(() => (through = true));
    await jest.advanceTimersByTimeAsync(249);
    expect(through).toBe(false);
    await jest.advanceTimersByTimeAsync(1);
    expect(through).toBe(true);
  });
});

import { describe, expect, it } from 'vitest';
import { stepDurations } from '../../src/deploy/step-runner.js';
import { roundTripLabel, timed, type StepTiming } from '../../src/deploy/step-timing.js';

describe('step timings', () => {
  it('reads the host-measured microseconds from each footer, for the steps that finished', () => {
    const B = 'ovfpipe-b';
    const out = `${B} 0 overlay:disk1\n\n${B} 0 0 1500000\n${B} 1 define\nerror: bad\n${B} 1 1 250000\n`;
    expect(stepDurations(out, B, ['overlay:disk1', 'define'])).toEqual([
      { id: 'overlay:disk1', seconds: 1.5 },
      { id: 'define', seconds: 0.25 },
    ]);
  });

  it('a footer from a bash without EPOCHREALTIME (no duration) gives none', () => {
    expect(stepDurations('B 0 a\n\nB 0 0\n', 'B', ['a'])).toEqual([]);
    expect(stepDurations('B 0 a\n\nB 0 0 \n', 'B', ['a'])).toEqual([]);
  });

  it('names a round trip after its steps, overlays as one', () => {
    expect(roundTripLabel(['vm-dir', 'overlay:a', 'overlay:b', 'define', 'start', 'autostart'])).toBe('overlays+define+start');
    expect(roundTripLabel(['vm-dir'])).toBe('apply');
  });

  it('times a step that fails and keeps its error', async () => {
    const into: StepTiming[] = [];
    await expect(timed(into, 'upload', () => Promise.reject(new Error('cut')))).rejects.toThrow('cut');
    expect(into).toEqual([expect.objectContaining({ id: 'upload', error: 'cut' })]);
  });
});

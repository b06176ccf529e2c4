import { describe, expect, it } from 'vitest';
import { restorableBounds } from '../../src-main/electron/window-state';

const min = { width: 980, height: 640 };
const laptop = { x: 0, y: 0, width: 1920, height: 1050 };
const external = { x: 1920, y: 0, width: 2560, height: 1400 };

describe('window bounds restore', () => {
  it('keeps a position that is on a display', () => {
    expect(restorableBounds({ x: 2100, y: 100, width: 1320, height: 860, maximized: false }, [laptop, external], min)).toEqual({ x: 2100, y: 100, width: 1320, height: 860 });
  });
  it('drops the position when the monitor it was on is gone, and shrinks to the largest display', () => {
    expect(restorableBounds({ x: 2100, y: 100, width: 2400, height: 1300, maximized: false }, [laptop], min)).toEqual({ width: 1920, height: 1050 });
  });
  it('drops a position whose title bar is above the screen or barely visible', () => {
    expect(restorableBounds({ x: 100, y: -500, width: 1320, height: 860, maximized: false }, [laptop], min)).toEqual({ width: 1320, height: 860 });
    expect(restorableBounds({ x: 1900, y: 10, width: 1320, height: 860, maximized: false }, [laptop], min)).toEqual({ width: 1320, height: 860 });
  });
  it('repairs missing or corrupt sizes to the minimum', () => {
    expect(restorableBounds({ width: Number.NaN, height: 10, maximized: false }, [laptop], min)).toEqual({ width: 980, height: 640 });
  });
});

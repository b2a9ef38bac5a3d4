import { describe, expect, it } from 'vitest';
import { bd09ToGcj02, gcj02ToWgs84, mapGeometry, parseDatum, toWgs84, wgs84ToGcj02, type LonLat } from './datum';

// The server's reference values (src/core/geo_test.cc, from the eviltransform suite).
const KNOWN: [string, LonLat, LonLat][] = [
  ['Shanghai', [121.5272106, 31.1774276], [121.531541859215, 31.17530398364597]],
  ['Shenzhen', [113.912316, 22.543847], [113.9171764808363, 22.540796131694766]],
  ['Beijing', [116.377817, 39.911954], [116.38404722455657, 39.91334545536069]],
];

describe('datums', () => {
  it('shifts WGS-84 to GCJ-02 as the reference implementation does', () => {
    for (const [, wgs, gcj] of KNOWN) {
      const got = wgs84ToGcj02(wgs);
      expect(got[0]).toBeCloseTo(gcj[0], 9);
      expect(got[1]).toBeCloseTo(gcj[1], 9);
    }
  });

  it('round-trips GCJ-02 inside China and leaves the rest of the world alone', () => {
    const guan: LonLat = [116.3, 39.44];
    const back = gcj02ToWgs84(wgs84ToGcj02(guan));
    expect(back[0]).toBeCloseTo(guan[0], 7);
    expect(back[1]).toBeCloseTo(guan[1], 7);
    expect(wgs84ToGcj02([2.35, 48.85])).toEqual([2.35, 48.85]);
  });

  it('takes BD-09 back through GCJ-02 (Baidu shifts about 0.0065° east, 0.006° north)', () => {
    const gcj = wgs84ToGcj02([116.3, 39.44]);
    const bd: LonLat = [gcj[0] + 0.0065, gcj[1] + 0.006];
    const g = bd09ToGcj02(bd);
    expect(Math.abs(g[0] - gcj[0])).toBeLessThan(0.0002);
    expect(Math.abs(g[1] - gcj[1])).toBeLessThan(0.0002);
    const w = toWgs84(bd, 'bd09');
    expect(Math.abs(w[0] - 116.3)).toBeLessThan(0.0002);
    expect(Math.abs(w[1] - 39.44)).toBeLessThan(0.0002);
  });

  it('reads the datum names host apps use', () => {
    expect(parseDatum('bd09ll')).toBe('bd09');
    expect(parseDatum('GCJ-02')).toBe('gcj02');
    expect(parseDatum('wgs84')).toBe('wgs84');
    expect(parseDatum('')).toBeUndefined();
    expect(parseDatum('mercator')).toBeUndefined();
  });

  it('moves every position of a polygon', () => {
    const poly: GeoJSON.Polygon = { type: 'Polygon', coordinates: [[[1, 2], [3, 4], [1, 2]]] };
    const moved = mapGeometry(poly, ([x, y]) => [x + 1, y + 1]);
    expect(moved.coordinates).toEqual([[[2, 3], [4, 5], [2, 3]]]);
  });
});

// China's map datums on the pages, as the server converts them (src/core/geo.cc, bd09.h): GPS positions are
// WGS-84; AMap, Tencent and WeChat give GCJ-02; Baidu gives BD-09. The pages keep every position in WGS-84 (what
// the API stores) and convert only at the edges: a position handed over by a host app, and a map whose tiles are
// GCJ-02 (`serve --tile-coord-sys gcj02`), where the grids are drawn shifted onto the tiles and the point picked
// under the cross-hair is shifted back. Pure functions.

export type LonLat = [number, number];
export type Datum = 'wgs84' | 'gcj02' | 'bd09';

const KRASOVSKY_A = 6378245.0;
const KRASOVSKY_EE = 0.00669342162296594323;
const BD_X_PI = (Math.PI * 3000.0) / 180.0;

function outOfChina([lon, lat]: LonLat): boolean {
  return lon < 72.004 || lon > 137.8347 || lat < 0.8293 || lat > 55.8271;
}

function shake(x: number): number {
  return ((20 * Math.sin(6 * x * Math.PI) + 20 * Math.sin(2 * x * Math.PI)) * 2) / 3;
}

function transformLat(x: number, y: number): number {
  let r = -100 + 2 * x + 3 * y + 0.2 * y * y + 0.1 * x * y + 0.2 * Math.sqrt(Math.abs(x));
  r += shake(x);
  r += ((20 * Math.sin(y * Math.PI) + 40 * Math.sin((y / 3) * Math.PI)) * 2) / 3;
  r += ((160 * Math.sin((y / 12) * Math.PI) + 320 * Math.sin((y * Math.PI) / 30)) * 2) / 3;
  return r;
}

function transformLon(x: number, y: number): number {
  let r = 300 + x + 2 * y + 0.1 * x * x + 0.1 * x * y + 0.1 * Math.sqrt(Math.abs(x));
  r += shake(x);
  r += ((20 * Math.sin(x * Math.PI) + 40 * Math.sin((x / 3) * Math.PI)) * 2) / 3;
  r += ((150 * Math.sin((x / 12) * Math.PI) + 300 * Math.sin((x / 30) * Math.PI)) * 2) / 3;
  return r;
}

export function wgs84ToGcj02(p: LonLat): LonLat {
  if (outOfChina(p)) return p;
  const [lon, lat] = p;
  const radLat = (lat / 180) * Math.PI;
  const sin = Math.sin(radLat);
  const magic = 1 - KRASOVSKY_EE * sin * sin;
  const sqrtMagic = Math.sqrt(magic);
  const dLat = (transformLat(lon - 105, lat - 35) * 180) / (((KRASOVSKY_A * (1 - KRASOVSKY_EE)) / (magic * sqrtMagic)) * Math.PI);
  const dLon = (transformLon(lon - 105, lat - 35) * 180) / ((KRASOVSKY_A / sqrtMagic) * Math.cos(radLat) * Math.PI);
  return [lon + dLon, lat + dLat];
}

/** Inverse of wgs84ToGcj02 by fixed-point iteration (to about 0.1 mm). */
export function gcj02ToWgs84(p: LonLat): LonLat {
  if (outOfChina(p)) return p;
  let w: LonLat = [p[0], p[1]];
  for (let i = 0; i < 20; i += 1) {
    const f = wgs84ToGcj02(w);
    const dLon = f[0] - p[0];
    const dLat = f[1] - p[1];
    if (!(Math.abs(dLon) > 1e-9 || Math.abs(dLat) > 1e-9)) break;
    w = [w[0] - dLon, w[1] - dLat];
  }
  return w;
}

export function bd09ToGcj02([lon, lat]: LonLat): LonLat {
  const x = lon - 0.0065;
  const y = lat - 0.006;
  const z = Math.sqrt(x * x + y * y) - 0.00002 * Math.sin(y * BD_X_PI);
  const theta = Math.atan2(y, x) - 0.000003 * Math.cos(x * BD_X_PI);
  return [z * Math.cos(theta), z * Math.sin(theta)];
}

/** A position in `datum` as WGS-84. */
export function toWgs84(p: LonLat, datum: Datum): LonLat {
  if (datum === 'bd09') return gcj02ToWgs84(bd09ToGcj02(p));
  if (datum === 'gcj02') return gcj02ToWgs84(p);
  return p;
}

/** The name of a datum as a URL or a host app may spell it (bd09ll, GCJ-02 …); undefined when unknown. */
export function parseDatum(text: string | null | undefined): Datum | undefined {
  const t = (text ?? '').toLowerCase().replace(/[^a-z0-9]/g, '');
  if (t === '' || t === 'wgs84' || t === 'gps') return t === '' ? undefined : 'wgs84';
  if (t === 'gcj02' || t === 'gcj') return 'gcj02';
  if (t === 'bd09' || t === 'bd09ll' || t === 'baidu') return 'bd09';
  return undefined;
}

/** A GeoJSON geometry with every position moved by `f` (for drawing WGS-84 shapes on GCJ-02 tiles). */
export function mapGeometry<G extends GeoJSON.Geometry>(g: G, f: (p: LonLat) => LonLat): G {
  const pos = (c: GeoJSON.Position): GeoJSON.Position => f([c[0], c[1]]);
  switch (g.type) {
    case 'Point':
      return { ...g, coordinates: pos(g.coordinates) };
    case 'MultiPoint':
    case 'LineString':
      return { ...g, coordinates: g.coordinates.map(pos) };
    case 'MultiLineString':
    case 'Polygon':
      return { ...g, coordinates: g.coordinates.map((r) => r.map(pos)) };
    case 'MultiPolygon':
      return { ...g, coordinates: g.coordinates.map((p) => p.map((r) => r.map(pos))) };
    case 'GeometryCollection':
      return { ...g, geometries: g.geometries.map((x) => mapGeometry(x, f)) };
    default:
      return g;
  }
}

// World Map: conversations per country, shaded on a map keyed by ISO
// 3166-1 alpha-2, with a ranked list beside it and one sentence when the
// map has nothing to show.

import type { Topology, GeometryCollection } from 'topojson-specification';
import type { FeatureCollection, Geometry } from 'geojson';
import { feature, merge } from 'topojson-client';
import { formatCount } from '../lib/format';
import { ISO_NUMERIC_TO_ALPHA2 } from './isoNumeric';
import { countryName } from './labels';

// Shapes world-atlas leaves without a numeric code, and the country whose
// conversations they should show. Kosovo has no ISO code and stays unshaded.
const UNCODED_SHAPES: Record<string, string> = { 'N. Cyprus': 'CY', Somaliland: 'SO' };

/**
 * The countries of a world-atlas topology as GeoJSON whose features are
 * named by alpha-2 code, one feature per country: shapes of the same
 * country are merged so hovering either shows the country's count.
 */
export function countriesGeoJson(topology: Topology): FeatureCollection<Geometry, { name: string }> {
  const countries = topology.objects.countries as GeometryCollection<{ name: string }>;
  const byCode = new Map<string, typeof countries.geometries>();
  for (const g of countries.geometries) {
    const code =
      (g.id !== undefined ? ISO_NUMERIC_TO_ALPHA2[String(g.id).padStart(3, '0')] : undefined) ??
      UNCODED_SHAPES[(g.properties as { name?: string } | undefined)?.name ?? ''];
    if (!code) continue;
    byCode.set(code, [...(byCode.get(code) ?? []), g]);
  }
  const features: FeatureCollection<Geometry, { name: string }>['features'] = [];
  for (const [code, geometries] of byCode) {
    const geometry =
      geometries.length === 1
        ? (feature(topology, geometries[0]) as GeoJSON.Feature).geometry
        : merge(topology, geometries as Parameters<typeof merge>[1]);
    features.push({ type: 'Feature', properties: { name: code }, geometry: withinAntimeridian(geometry) });
  }
  return { type: 'FeatureCollection', features };
}

type Ring = number[][];

/**
 * world-atlas keeps shapes on the sphere, so a ring that crosses the 180°
 * meridian (Russia's far east, Fiji, the Aleutians) jumps from +180 to −180
 * and a flat map draws that jump as a stripe across the world. Such a ring is
 * moved wholly east of the meridian and what lies beyond it pressed onto the
 * edge: a sliver of land is lost, the stripe is gone.
 */
export function withinAntimeridian(geometry: Geometry): Geometry {
  const fixRing = (ring: Ring): Ring => {
    const crosses = ring.some((p, i) => i > 0 && Math.abs(p[0] - ring[i - 1][0]) > 180);
    if (!crosses) return ring;
    return ring.map(([lon, lat]) => [Math.min(180, lon < 0 ? lon + 360 : lon), lat]);
  };
  if (geometry.type === 'Polygon') return { ...geometry, coordinates: geometry.coordinates.map(fixRing) };
  if (geometry.type === 'MultiPolygon') {
    return { ...geometry, coordinates: geometry.coordinates.map((polygon) => polygon.map(fixRing)) };
  }
  return geometry;
}

export interface CountryRow {
  code: string;
  name: string;
  count: number;
  /** Of the conversations placed on the map, 0..1. */
  share: number;
}

export interface CountryMap {
  /** One entry per country with conversations, `name` being the alpha-2 code the map is keyed by. */
  mapData: { name: string; value: number }[];
  ranked: CountryRow[];
  max: number;
  /** Conversations with no country. */
  unknown: number;
  empty: string | null;
}

export function shapeCountries(
  countries: Record<string, number>,
  context: { totalConversations: number; conversationsWithIp: number },
  locale?: string,
): CountryMap {
  const placed = Object.entries(countries).filter(([code, n]) => code !== 'unknown' && n > 0);
  const placedTotal = placed.reduce((s, [, n]) => s + n, 0);
  const ranked = placed
    .map(([code, count]) => ({ code, name: countryName(code, locale), count, share: placedTotal ? count / placedTotal : 0 }))
    .sort((a, b) => b.count - a.count || a.name.localeCompare(b.name));
  return {
    mapData: ranked.map((r) => ({ name: r.code, value: r.count })),
    ranked,
    max: ranked[0]?.count ?? 0,
    unknown: countries.unknown ?? 0,
    empty: placedTotal > 0 ? null : emptyMapReason(context, locale),
  };
}

function emptyMapReason(
  { totalConversations: total, conversationsWithIp: withIp }: { totalConversations: number; conversationsWithIp: number },
  locale?: string,
): string {
  if (total === 0) return 'No conversations in this period, so the map is empty.';
  if (withIp === 0) {
    return total === 1
      ? 'The one conversation in this period has no IP address, so the map is empty.'
      : `None of the ${formatCount(total, locale)} conversations has an IP address, so the map is empty.`;
  }
  return withIp === 1
    ? 'The one IP address in this period is private or not in the geolocation database, so the map is empty.'
    : `None of the ${formatCount(withIp, locale)} IP addresses could be placed in a country (private or not in the geolocation database), so the map is empty.`;
}

/** The map's drawing: SVG path data per country, in a flat projection. */
export interface MapDrawing {
  viewBox: string;
  countries: { code: string; d: string }[];
}

/**
 * Countries as SVG path data (a canvas draws them as Path2D): longitude to the right, latitude up, stretched as
 * ECharts' maps are (a 0.75 aspect), points rounded to a tenth of a degree.
 * The map is drawn once; a new period or filter only recolours it.
 */
export function drawCountries(geo: FeatureCollection<Geometry, { name: string }>): MapDrawing {
  const ASPECT = 0.75;
  let [minX, minY, maxX, maxY] = [Infinity, Infinity, -Infinity, -Infinity];
  const point = ([lon, lat]: number[]) => {
    const x = Math.round(lon * 10) / 10;
    const y = Math.round((-lat / ASPECT) * 10) / 10;
    minX = Math.min(minX, x);
    maxX = Math.max(maxX, x);
    minY = Math.min(minY, y);
    maxY = Math.max(maxY, y);
    return `${x},${y}`;
  };
  const ring = (r: number[][]) => `M${r.map(point).join('L')}Z`;
  const countries = geo.features.map((f) => {
    const g = f.geometry;
    const polygons = g.type === 'Polygon' ? [g.coordinates] : g.type === 'MultiPolygon' ? g.coordinates : [];
    return { code: f.properties.name, d: polygons.map((p) => p.map(ring).join('')).join('') };
  });
  const pad = 1;
  return {
    viewBox: `${minX - pad} ${minY - pad} ${maxX - minX + 2 * pad} ${maxY - minY + 2 * pad}`,
    countries,
  };
}

/** The colour of `value` on a linear scale from `low` (at 0) to `high` (at `max`), both `#rrggbb`. */
export function shade(value: number, max: number, low: string, high: string): string {
  const t = max > 0 ? Math.min(1, Math.max(0, value / max)) : 0;
  const channel = (hex: string, i: number) => parseInt(hex.slice(1 + 2 * i, 3 + 2 * i), 16);
  const mixed = [0, 1, 2].map((i) => Math.round(channel(low, i) + (channel(high, i) - channel(low, i)) * t));
  return `#${mixed.map((n) => n.toString(16).padStart(2, '0')).join('')}`;
}

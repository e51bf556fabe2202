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

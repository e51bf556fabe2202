import { describe, expect, it } from 'vitest';
import type { Topology } from 'topojson-specification';
import world from 'world-atlas/countries-110m.json';
import { countriesGeoJson, drawCountries, shade, shapeCountries } from './worldMap';
import { ISO_NUMERIC_TO_ALPHA2 } from './isoNumeric';

describe('countriesGeoJson', () => {
  const geo = countriesGeoJson(world as unknown as Topology);
  const names = geo.features.map((f) => f.properties.name);

  it('names every shape by an alpha-2 code, once', () => {
    expect(names.every((n) => /^[A-Z]{2}$/.test(n))).toBe(true);
    expect(new Set(names).size).toBe(names.length);
  });

  it('covers every numbered shape of world-atlas', () => {
    const numbered = (world as any).objects.countries.geometries.filter((g: any) => g.id !== undefined);
    for (const g of numbered) expect(ISO_NUMERIC_TO_ALPHA2[g.id], `shape ${g.id} ${g.properties.name}`).toBeDefined();
    expect(names).toEqual(expect.arrayContaining(['DE', 'US', 'BR', 'JP', 'CY', 'SO']));
  });

  it('draws no ring across the 180° meridian (it would stripe the map)', () => {
    const rings = geo.features.flatMap((f) =>
      f.geometry.type === 'Polygon' ? f.geometry.coordinates : f.geometry.type === 'MultiPolygon' ? f.geometry.coordinates.flat() : [],
    );
    const jumps = rings.filter((ring) => ring.some((p, i) => i > 0 && Math.abs(p[0] - ring[i - 1][0]) > 180));
    expect(jumps).toHaveLength(0);
    expect(rings.flat().every(([lon]) => lon >= -180 && lon <= 180)).toBe(true);
  });

  it('maps numeric codes to the same letters ISO does', () => {
    expect(ISO_NUMERIC_TO_ALPHA2['276']).toBe('DE');
    expect(ISO_NUMERIC_TO_ALPHA2['840']).toBe('US');
    expect(ISO_NUMERIC_TO_ALPHA2['826']).toBe('GB');
    expect(ISO_NUMERIC_TO_ALPHA2['158']).toBe('TW');
  });
});

describe('shapeCountries', () => {
  it('ranks placed countries and keeps unknown apart', () => {
    const m = shapeCountries({ DE: 5, US: 15, unknown: 4 }, { totalConversations: 24, conversationsWithIp: 22 }, 'en-US');
    expect(m.ranked).toEqual([
      { code: 'US', name: 'United States', count: 15, share: 0.75 },
      { code: 'DE', name: 'Germany', count: 5, share: 0.25 },
    ]);
    expect(m.mapData).toEqual([
      { name: 'US', value: 15 },
      { name: 'DE', value: 5 },
    ]);
    expect(m.max).toBe(15);
    expect(m.unknown).toBe(4);
    expect(m.empty).toBeNull();
  });

  it.each([
    [{}, 0, 0, 'No conversations in this period, so the map is empty.'],
    [{ unknown: 1204 }, 1204, 0, 'None of the 1,204 conversations has an IP address, so the map is empty.'],
    [{ unknown: 1 }, 1, 0, 'The one conversation in this period has no IP address, so the map is empty.'],
    [
      { unknown: 30 },
      30,
      12,
      'None of the 12 IP addresses could be placed in a country (private or not in the geolocation database), so the map is empty.',
    ],
  ])('explains an empty map: %j', (countries, total, withIp, sentence) => {
    expect(shapeCountries(countries, { totalConversations: total, conversationsWithIp: withIp }, 'en-US').empty).toBe(sentence);
  });
});

describe('the drawn map', () => {
  it('draws every country once, inside its view box', () => {
    const drawing = drawCountries(countriesGeoJson(world as unknown as Topology));
    const codes = drawing.countries.map((c) => c.code);
    expect(new Set(codes).size).toBe(codes.length);
    expect(codes).toContain('FR');
    const [x, y, w, h] = drawing.viewBox.split(' ').map(Number);
    for (const { d } of drawing.countries) {
      for (const [px, py] of Array.from(d.matchAll(/(-?[\d.]+),(-?[\d.]+)/g), (m) => [Number(m[1]), Number(m[2])])) {
        expect(px >= x && px <= x + w && py >= y && py <= y + h).toBe(true);
      }
    }
    const france = drawing.countries.find((c) => c.code === 'FR')!.d;
    expect(france.startsWith('M')).toBe(true);
    expect(france.endsWith('Z')).toBe(true);
  });

  it('shades from the low colour to the high one', () => {
    expect(shade(0, 10, '#000000', '#ffffff')).toBe('#000000');
    expect(shade(10, 10, '#000000', '#ffffff')).toBe('#ffffff');
    expect(shade(5, 10, '#b9d2ef', '#0b4f9c')).toBe('#6291c6');
    expect(shade(3, 0, '#102030', '#ffffff')).toBe('#102030');
  });
});

// Seeded randomness for the property tests: a small PRNG (mulberry32) and setting values of
// every known key's shape (as server/src/domain/settings/validate.rs accepts them) and of
// custom `x-` keys, drawn from small pools so that merges, duplicates and overrides happen.

/** A PRNG of 32-bit `seed`: `next()` in [0, 1), and helpers over it. */
export function prng(seed) {
  let state = seed >>> 0;
  const next = () => {
    state = (state + 0x6d2b79f5) >>> 0;
    let t = state;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
  const random = {
    next,
    /** An integer in [min, max]. */
    int: (min, max) => min + Math.floor(next() * (max - min + 1)),
    chance: (p) => next() < p,
    pick: (items) => items[Math.floor(next() * items.length)],
    /** `count` distinct items (at most all of them), in random order. */
    some(items, count) {
      return random.shuffle(items).slice(0, Math.min(count, items.length));
    },
    shuffle(items) {
      const copy = [...items];
      for (let i = copy.length - 1; i > 0; i -= 1) {
        const j = Math.floor(next() * (i + 1));
        [copy[i], copy[j]] = [copy[j], copy[i]];
      }
      return copy;
    },
  };
  return random;
}

/** Some fields of `pools` (name → candidate values), at least one. */
function someFields(random, pools) {
  const names = random.some(Object.keys(pools), random.int(1, 3));
  return Object.fromEntries(names.map((name) => [name, random.pick(pools[name])]));
}

const ADDRESS = {
  line1: ['1 Main Street', 'Hauptstraße 5', 'Rue de Rivoli 10'],
  line2: ['Floor 3', 'Suite 200'],
  city: ['Berlin', 'Munich', 'Paris', 'Osaka'],
  region: ['Bavaria', 'Île-de-France', 'Kansai'],
  postalCode: ['10115', '80331', '75001'],
  country: ['DE', 'FR', 'JP', 'US'],
};

const BRANDING = {
  displayName: ['Acme', 'Acme South', 'Acme Labs'],
  primaryColor: ['#1a2b3c', '#ff0000', '#00AA88'],
  secondaryColor: ['#ffffff', '#000000'],
  logoUrl: ['https://cdn.example/logo.png', 'https://cdn.example/logo-dark.svg'],
};

const HOLIDAYS = [
  { date: '2027-01-01', name: "New Year's Day" },
  { date: '2027-05-01', name: 'Labour Day' },
  { date: '2027-10-03', name: 'Unity Day' },
  { date: '2027-12-25', name: 'Christmas Day' },
  { date: '2027-07-14', name: 'Bastille Day' },
  { date: '2027-11-23', name: 'Labour Thanksgiving Day' },
];

const DAYS = ['monday', 'tuesday', 'wednesday', 'thursday', 'friday', 'saturday', 'sunday'];
const SHIFTS = [
  [{ start: '09:00', end: '17:00' }],
  [
    { start: '08:00', end: '12:00' },
    { start: '13:00', end: '17:30' },
  ],
  [{ start: '10:00', end: '14:00' }],
  [],
];

function timeGrid(random) {
  const value = someFields(random, {
    slotMinutes: [5, 15, 30, 60],
    timeZone: ['UTC', 'Europe/Berlin', 'Asia/Tokyo', 'America/New_York'],
    startTime: ['07:00', '08:00', '09:30'],
    endTime: ['17:00', '18:30', '24:00'],
  });
  return value;
}

function theme(random) {
  // Nested objects (deep-merged) and, now and then, a nested field that is not an object.
  const value = {};
  if (random.chance(0.6)) {
    value.colors = random.chance(0.15)
      ? 'none'
      : someFields(random, { fg: ['black', 'navy'], bg: ['white', 'ivory'], accent: ['gold', 'teal'] });
  }
  if (random.chance(0.5)) value.density = random.pick(['compact', 'comfortable']);
  if (random.chance(0.4)) value.features = { beta: random.chance(0.5), limits: { seats: random.int(1, 50) } };
  if (Object.keys(value).length === 0) value.density = 'compact';
  return value;
}

/** Value generators by key. */
export const SETTING_VALUES = {
  address: (random) => someFields(random, ADDRESS),
  branding: (random) => someFields(random, BRANDING),
  timeGrid,
  workingHours: (random) =>
    Object.fromEntries(random.some(DAYS, random.int(1, 4)).map((day) => [day, random.pick(SHIFTS)])),
  publicHolidays: (random) => random.some(HOLIDAYS, random.int(0, 3)),
  'x-theme': theme,
  'x-tags': (random) => random.some(['red', 'green', 'blue', 'vip', 'beta'], random.int(0, 3)),
  'x-note': (random) => random.pick(['hello', 'closed on Fridays', 'ask for Ada', '']),
  // A custom key whose kind changes along a chain: an object, a list, a string or a number.
  'x-mixed': (random) =>
    random.pick([
      () => ({ a: random.int(1, 3), b: { c: random.pick(['x', 'y']) } }),
      () => [random.int(1, 3), random.int(1, 3)],
      () => random.pick(['plain', 'text']),
      () => random.int(0, 9),
    ])(),
};

export const SETTING_KEYS = Object.keys(SETTING_VALUES);

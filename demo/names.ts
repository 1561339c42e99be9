/**
 * Display names of the simulated catalog: category names and product titles. The simulator
 * knows categories by number; how the demo shows them lives here.
 */
import type { CatalogItem } from '../sim/index.js';

/** Category `c` is `CATEGORIES[c % CATEGORIES.length]`: its display name and the nouns of its titles. */
const CATEGORIES: { name: string; nouns: string[] }[] = [
  { name: 'Shoes', nouns: ['Sneakers', 'Boots', 'Sandals', 'Loafers'] },
  { name: 'Outerwear', nouns: ['Hoodie', 'Jacket', 'Cardigan', 'Parka'] },
  { name: 'Audio', nouns: ['Earbuds', 'Speaker', 'Headphones', 'Soundbar'] },
  { name: 'Beauty', nouns: ['Lipstick', 'Serum', 'Palette', 'Cleanser'] },
  { name: 'Kitchen', nouns: ['Skillet', 'Kettle', 'Blender', 'Knife Set'] },
  { name: 'Bags', nouns: ['Backpack', 'Tote', 'Wallet', 'Duffel'] },
  { name: 'Home', nouns: ['Lamp', 'Rug', 'Throw Pillow', 'Vase'] },
  { name: 'Fitness', nouns: ['Yoga Mat', 'Dumbbells', 'Jump Rope', 'Water Bottle'] },
  { name: 'Toys', nouns: ['Puzzle', 'Board Game', 'Plush Toy', 'Building Set'] },
  { name: 'Jewellery', nouns: ['Watch', 'Bracelet', 'Necklace', 'Ring'] },
  { name: 'Phone', nouns: ['Phone Case', 'Charger', 'Power Bank', 'Stand'] },
  { name: 'Stationery', nouns: ['Notebook', 'Pen Set', 'Planner', 'Desk Mat'] },
];

const ADJECTIVES = [
  'Classic', 'Urban', 'Cozy', 'Sleek', 'Vintage', 'Everyday', 'Pro', 'Mini', 'Bold', 'Soft',
  'Travel', 'Eco', 'Deluxe', 'Retro', 'Breezy', 'Midnight', 'Sunny', 'Compact',
];

/** Display name of a catalog category. */
export function categoryName(category: number): string {
  return CATEGORIES[category % CATEGORIES.length]!.name;
}

/** "Adjective Noun", the noun from the item's category, both picked by the item's naming draws. */
export function itemTitle(item: Pick<CatalogItem, 'category' | 'naming'>): string {
  const { nouns } = CATEGORIES[item.category % CATEGORIES.length]!;
  const [adjective, noun] = item.naming;
  return `${ADJECTIVES[Math.floor(adjective * ADJECTIVES.length)]!} ${nouns[Math.floor(noun * nouns.length)]!}`;
}

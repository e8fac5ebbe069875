/** Locators name things by meaning (PRODUCT.md §5), e.g. `VirtualSystem[web]/Item[InstanceID=7]`. */
import type { Content, Item, Property, ProductSection } from './model.js';

export function contentLocator(c: Content, parents: readonly Content[] = []): string {
  return [...parents, c].map((n) => `${n.kind}[${n.id}]`).join('/');
}

export function itemLocator(owner: string, item: Item): string {
  return `${owner}/${item.element}[InstanceID=${item.instanceId ?? '?'}]`;
}

export function productLocator(owner: string, ps: ProductSection): string {
  const key = [ps.class, ps.instance].filter(Boolean).join('.');
  return `${owner}/ProductSection${key ? `[class=${key}]` : ''}`;
}

export function propertyLocator(owner: string, ps: ProductSection, p: Property): string {
  return `${productLocator(owner, ps)}/Property[key=${p.key}]`;
}

/** Every Content node with the chain of its ancestors, depth first. */
export function* contentWithParents(c: Content | undefined, parents: Content[] = []): Generator<{ node: Content; parents: Content[]; locator: string }> {
  if (!c) return;
  yield { node: c, parents, locator: contentLocator(c, parents) };
  if (c.kind === 'VirtualSystemCollection') for (const k of c.content) yield* contentWithParents(k, [...parents, c]);
}

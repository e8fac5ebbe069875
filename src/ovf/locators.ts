/**
 * Locators name things by meaning (PRODUCT.md §5), e.g. `VirtualSystem[web]/Item[InstanceID=7]`.
 * Names from the package are abbreviated: every diagnostic carries a locator, so a
 * megabyte-long id must not be copied into each of them.
 */
import type { Content, Item, Property, ProductSection } from './model.js';
import { abbreviate } from '../strings.js';

export function contentLocator(c: Content, parents: readonly Content[] = []): string {
  return [...parents, c].map((n) => `${n.kind}[${abbreviate(n.id)}]`).join('/');
}

export function itemLocator(owner: string, item: Item): string {
  return `${owner}/${item.element}[InstanceID=${abbreviate(item.instanceId ?? '?')}]`;
}

export function productLocator(owner: string, ps: ProductSection): string {
  const key = [ps.class, ps.instance].filter(Boolean).join('.');
  return `${owner}/ProductSection${key ? `[class=${abbreviate(key)}]` : ''}`;
}

export function propertyLocator(owner: string, ps: ProductSection, p: Property): string {
  return `${productLocator(owner, ps)}/Property[key=${abbreviate(p.key)}]`;
}

/** Every Content node with the chain of its ancestors, depth first. */
export function* contentWithParents(c: Content | undefined, parents: Content[] = []): Generator<{ node: Content; parents: Content[]; locator: string }> {
  if (!c) return;
  yield { node: c, parents, locator: contentLocator(c, parents) };
  if (c.kind === 'VirtualSystemCollection') for (const k of c.content) yield* contentWithParents(k, [...parents, c]);
}

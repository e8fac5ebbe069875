/**
 * Lays out a DOT graph with Graphviz (compiled to WebAssembly, @viz-js/viz)
 * into an SVG fragment for inlining in HTML: no XML declaration, DOCTYPE or
 * comments. Graphviz escapes label text for XML itself.
 */
import { instance } from '@viz-js/viz';

let viz: ReturnType<typeof instance> | undefined;

export async function dotToSvg(dot: string): Promise<string> {
  viz ??= instance();
  const r = (await viz).render(dot, { format: 'svg' });
  if (r.status !== 'success') throw new Error(`graphviz: ${r.errors.map((e) => e.message).join('; ')}`);
  const svg = r.output.slice(Math.max(0, r.output.indexOf('<svg')));
  return svg.replace(/<!--[^>]*-->/g, '');
}

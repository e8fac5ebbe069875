import { describe, expect, it } from 'vitest';
import { buildFilterGraph, formatCycle, type FilterNode } from '../../src/netsec/nwfilter/graph.js';
import { lintFilterSet } from '../../src/lint/lint-nwfilter.js';
import { parseXml } from '../../src/xml/parse.js';

const node = (name: string, ...refs: string[]): FilterNode => ({ name, references: refs.map((filter) => ({ filter })), file: `${name}.xml` });

function source(file: string, xml: string) {
  const p = parseXml(xml);
  if (!p.ok) throw new Error(p.problem.message);
  return { file, root: p.root };
}

describe('the filterref graph', () => {
  it('orders every filter after the filters it references, keeping input order otherwise', () => {
    const g = buildFilterGraph([node('web', 'base', 'clean-traffic'), node('db', 'base'), node('base', 'logging'), node('logging')]);
    expect(g.order).toEqual(['logging', 'base', 'web', 'db']);
    expect(g.cycles).toEqual([]);
    expect(g.unknown).toEqual([]);
  });

  it('lists the built-ins reached, through built-ins too, without defining them', () => {
    const g = buildFilterGraph([node('web', 'clean-traffic')]);
    expect(g.order).toEqual(['web']);
    expect(g.builtinsUsed).toEqual([
      'allow-incoming-ipv4',
      'clean-traffic',
      'no-arp-ip-spoofing',
      'no-arp-mac-spoofing',
      'no-arp-spoofing',
      'no-ip-spoofing',
      'no-mac-spoofing',
      'no-other-l2-traffic',
      'no-other-rarp-traffic',
      'qemu-announce-self',
      'qemu-announce-self-rarp',
    ]);
  });

  it('names each cycle as a closed path, self-references included', () => {
    const g = buildFilterGraph([node('a', 'b'), node('b', 'c'), node('c', 'a'), node('self', 'self'), node('ok', 'a')]);
    expect(g.cycles.map(formatCycle)).toEqual(['a → b → c → a', 'self → self']);
    // Cycle members have no valid definition order; they come last, in input order.
    expect(g.order).toEqual(['ok', 'a', 'b', 'c', 'self']);
  });

  it('reports references to filters that are neither defined nor built in', () => {
    const g = buildFilterGraph([node('web', 'missing', 'no-ip-spoofing')]);
    expect(g.unknown).toEqual([{ from: 'web', reference: { filter: 'missing' } }]);
    expect(g.order).toEqual(['web']);
  });

  it('lets a defined filter shadow a built-in of the same name, and reports duplicates', () => {
    const g = buildFilterGraph([node('clean-traffic', 'web'), node('web', 'clean-traffic'), node('web')]);
    expect(g.duplicates).toEqual(['web']);
    expect(g.cycles).toEqual([]); // the later 'web' (no references) replaced the first
    expect(g.order).toEqual(['web', 'clean-traffic']);
  });
});

describe('linting a set of filters', () => {
  it('knows the members of the set and finds cycles across files', () => {
    const results = lintFilterSet([
      source('a.xml', "<filter name='a'><filterref filter='b'/></filter>"),
      source('b.xml', "<filter name='b'><filterref filter='a'/><filterref filter='elsewhere'/></filter>"),
    ]);
    const messages = results.map((r) => r.diagnostics.map((d) => `${d.severity} ${d.message}`));
    expect(messages[0]).toEqual(['error filter reference cycle: a → b → a (libvirt: filter would introduce a loop)']);
    expect(messages[1]).toEqual(["warning filter 'elsewhere' is neither a libvirt built-in nor defined alongside; it must already exist on the host"]);
    expect(results[0]!.diagnostics[0]).toMatchObject({ file: 'a.xml', line: 1, locator: 'filter[a]/filterref[b]@filter' });
  });

  it('reports a filter defined twice in the set', () => {
    const results = lintFilterSet([source('x.xml', "<filter name='dup'/>"), source('y.xml', "<filter name='dup'/>")]);
    expect(results.map((r) => r.diagnostics.map((d) => d.severity))).toEqual([['warning'], ['warning']]);
  });

  it('turns the cross-file checks off with the rule', () => {
    const results = lintFilterSet([source('a.xml', "<filter name='a'><filterref filter='b'/></filter>"), source('b.xml', "<filter name='b'><filterref filter='a'/></filter>")], {
      rules: { 'nwfilter-filterref': 'off' },
    });
    expect(results.flatMap((r) => r.diagnostics)).toEqual([]);
  });
});

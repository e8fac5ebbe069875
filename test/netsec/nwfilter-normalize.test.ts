import { describe, expect, it } from 'vitest';
import { normalizeFilter, type NormalizeOptions } from '../../src/netsec/nwfilter/normalize.js';
import { parseXml } from '../../src/xml/parse.js';

function normalize(xml: string, options: NormalizeOptions = {}): string {
  const p = parseXml(xml);
  if (!p.ok) throw new Error(p.problem.message);
  const r = normalizeFilter(p.root, options);
  return r.ok ? r.xml : `REJECTED: ${r.errors.join('; ')}`;
}

const head = (xml: string) => xml.split('\n')[0];

describe("normalising to libvirt's format", () => {
  it('omits a missing uuid unless a generator is given (libvirt would invent a random one)', () => {
    expect(normalize("<filter name='a'/>")).toBe("<filter name='a' chain='root'/>\n");
    expect(normalize("<filter name='a'/>", { uuid: () => '11111111-2222-3333-4444-555555555555' })).toBe(
      "<filter name='a' chain='root'>\n  <uuid>11111111-2222-3333-4444-555555555555</uuid>\n</filter>\n",
    );
    expect(normalize("<filter name='a'><uuid>5C6D49AFB0716127B4EC6F8ED4B55335</uuid></filter>")).toContain('<uuid>5c6d49af-b071-6127-b4ec-6f8ed4b55335</uuid>');
  });

  it.each([
    ['mac', "<filter name='a' chain='mac' priority='-800'/>"],
    ['ipv4-web', "<filter name='a' chain='ipv4-web' priority='-700'/>"],
    ['arp_x', "<filter name='a' chain='arp_x' priority='-500'/>"],
    ['stp', "<filter name='a' chain='stp'/>"], // stp is missing from libvirt's default table: priority 0, not printed
    ['root', "<filter name='a' chain='root'/>"],
  ])('gives chain %s its default priority', (chain, expected) => {
    expect(head(normalize(`<filter name='a' chain='${chain}'/>`))).toBe(expected);
  });

  it('keeps an explicit chain priority and drops a priority given without a chain', () => {
    expect(head(normalize("<filter name='a' chain='ipv4' priority='-650'/>"))).toBe("<filter name='a' chain='ipv4' priority='-650'/>");
    expect(head(normalize("<filter name='a' priority='-650'/>"))).toBe("<filter name='a' chain='root'/>");
  });

  it('prints rule defaults, libvirt value forms and attribute order', () => {
    const out = normalize(
      "<filter name='a'><rule direction='in' action='accept' statematch='FALSE'><tcp dstportstart='0x16' srcmacaddr='A:B:C:D:E:F' srcipmask='255.255.0.0' srcipaddr='10.1.0.0'/></rule></filter>",
    );
    expect(out).toBe(
      "<filter name='a' chain='root'>\n  <rule action='accept' direction='in' priority='500' statematch='false'>\n" +
        "    <tcp srcmacaddr='0a:0b:0c:0d:0e:0f' srcipaddr='10.1.0.0' srcipmask='16' dstportstart='0x16'/>\n  </rule>\n</filter>\n",
    );
  });

  it('groups plain and negated attributes into separate elements', () => {
    const out = normalize("<filter name='a'><rule action='drop' direction='in'><tcp match='no' srcipaddr='10.0.0.1'/><tcp comment='x'/></rule></filter>");
    expect(out).toContain("    <tcp comment='x'/>\n    <tcp match='no' srcipaddr='10.0.0.1'/>\n");
  });

  it('sorts filterref parameters by name and keeps list order, dropping invalid ones', () => {
    const out = normalize(
      "<filter name='a'><filterref filter='clean-traffic'><parameter name='IP' value='10.0.0.2'/><parameter name='A' value='x'/><parameter name='IP' value='10.0.0.1'/><parameter name='BAD' value='1/2'/></filterref></filter>",
    );
    expect(out).toContain(
      "<filterref filter='clean-traffic'>\n    <parameter name='A' value='x'/>\n    <parameter name='IP' value='10.0.0.2'/>\n    <parameter name='IP' value='10.0.0.1'/>\n  </filterref>",
    );
  });

  it('escapes comments and reports why libvirt would reject a filter', () => {
    expect(normalize(`<filter name='a'><rule action='drop' direction='in'><all comment="it's &lt;ok&gt; &amp; fine"/></rule></filter>`)).toContain("<all comment='it&apos;s &lt;ok&gt; &amp; fine'/>");
    expect(normalize("<filter name='a'><rule action='drop' direction='in'><tcp dstportstart='99999'/></rule></filter>")).toBe("REJECTED: dstportstart='99999' on <tcp>: illegal value");
    expect(normalize('<domain/>')).toBe('REJECTED: unknown root element for nw filter');
  });
});

/**
 * The remaining devices (formatdomain "Devices"): serial ports and the
 * console from Items (ResourceType 21), graphics and video from the options
 * (ResourceType 24 Items carry nothing libvirt can use), and the paravirtual
 * balloon and RNG every guest gets.
 */
import { ResourceType } from '../ovf/cim.js';
import type { Item } from '../ovf/model.js';
import { element, type XmlNode } from '../xml/writer.js';
import type { RenderOptions } from './types.js';

/** Where VNC and SPICE listen: loopback only; reach it through an SSH tunnel. */
export const GRAPHICS_LISTEN = '127.0.0.1';

/** One pty serial port per serial Item, port 0, 1, …; the console is the first (formatdomain "Consoles, serial, parallel & channel devices"). */
export function renderSerials(items: Item[]): XmlNode[] {
  const count = items.filter((i) => i.resourceType === ResourceType.SerialPort).length;
  const serials = Array.from({ length: count }, (_, port) => element('serial', { type: 'pty' }, element('target', { port })));
  const console = count > 0 ? element('console', { type: 'pty' }, element('target', { type: 'serial', port: 0 })) : undefined;
  return console ? [...serials, console] : serials;
}

/** VNC or SPICE on loopback with an automatic port, and a virtio video card; nothing for 'none'. */
export function renderGraphics(options: RenderOptions): XmlNode[] {
  if (options.graphics === 'none') return [];
  return [
    element('graphics', { type: options.graphics, port: -1, autoport: 'yes', listen: GRAPHICS_LISTEN }, element('listen', { type: 'address', address: GRAPHICS_LISTEN })),
    element('video', {}, element('model', { type: 'virtio', heads: 1, primary: 'yes' })),
  ];
}

export function renderMemballoon(): XmlNode {
  return element('memballoon', { model: 'virtio' });
}

/** virtio-rng fed from the host's /dev/urandom (formatdomain "Random number generator device"). */
export function renderRng(): XmlNode {
  return element('rng', { model: 'virtio' }, element('backend', { model: 'random' }, '/dev/urandom'));
}

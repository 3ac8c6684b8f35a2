// Runs inside the sandbox child before the scaffold is imported. Node 20's permission model covers the file
// system, child processes, workers, WASI, addons and the inspector, but not the network, signals to other
// processes, or raw libuv handles, so those are cut off here at the JS level. The child needs no network at
// all: ctx.llm.chat goes to the parent over IPC. No original function is kept anywhere the scaffold could
// reach, so undoing a patch only removes the blocker, it does not bring the capability back.
import dgram from 'node:dgram';
import dns from 'node:dns';
import { syncBuiltinESMExports } from 'node:module';
import net from 'node:net';
import v8 from 'node:v8';

export const BLOCKED_CODE = 'ERR_SANDBOX_BLOCKED';

/** @param {(what: string) => void} onBlocked called on every attempt, so a caught attempt is still reported */
export function installGuards(onBlocked) {
  const blocker = (what) =>
    function blocked() {
      onBlocked(what);
      const error = new Error(`sandbox: ${what} is blocked (the scaffold reaches the model only through ctx.llm.chat)`);
      error.code = BLOCKED_CODE;
      throw error;
    };
  const blockMethods = (target, names, label) => {
    for (const name of names) if (typeof target?.[name] === 'function') target[name] = blocker(`${label}.${name}`);
  };

  // TCP and TLS (http, https, http2, fetch/undici all end in Socket.prototype.connect) and listening servers.
  blockMethods(net.Socket.prototype, ['connect'], 'net.Socket');
  blockMethods(net.Server.prototype, ['listen'], 'net.Server');

  // UDP: the handle is created with the socket, so take its class from a throwaway socket, then block both.
  const probe = dgram.createSocket('udp4');
  const udpHandlePrototype = Object.getPrototypeOf(probe._handle);
  probe.close();
  blockMethods(udpHandlePrototype, ['open', 'bind', 'bind6', 'connect', 'connect6', 'send', 'send6'], 'udp handle');
  blockMethods(dgram, ['createSocket', 'Socket'], 'dgram');

  // Raw pipe handles are reachable from process.stdout._handle (the sandbox's stdio are pipes) and their
  // bind/listen create Unix sockets anywhere, unchecked by the permission model. Open pipes only read and write.
  for (const stream of [process.stdout, process.stderr]) {
    const handle = stream?._handle;
    if (handle) blockMethods(Object.getPrototypeOf(handle), ['open', 'bind', 'listen', 'connect', 'fchmod'], 'pipe handle');
  }

  // DNS queries leave the machine (and can carry data out in the names they ask for).
  for (const api of [dns, dns.promises]) {
    blockMethods(
      api,
      Object.keys(api).filter((key) => typeof api[key] === 'function' && key !== 'Resolver'),
      'dns',
    );
    for (let proto = api.Resolver.prototype; proto && proto !== Object.prototype; proto = Object.getPrototypeOf(proto)) {
      blockMethods(
        proto,
        Object.getOwnPropertyNames(proto).filter((key) => key !== 'constructor'),
        'dns.Resolver',
      );
    }
    blockMethods(api, ['Resolver'], 'dns');
  }

  blockMethods(globalThis, ['fetch', 'WebSocket', 'EventSource'], 'global');
  // Signals: process.kill(process.ppid) would take the whole loop down with the sandbox.
  blockMethods(process, ['kill', '_kill'], 'process');
  // V8 flags such as --allow-natives-syntax open memory-level tricks.
  blockMethods(v8, ['setFlagsFromString'], 'v8');

  // ESM named imports of builtins (import { connect } from 'node:net') read these exports, not the objects.
  syncBuiltinESMExports();
}

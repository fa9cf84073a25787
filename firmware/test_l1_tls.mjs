#!/usr/bin/env node
// HTTPS to L1: a TLS terminator (node's tls, a certificate for "localhost"
// signed by a test CA made here with openssl) in front of anvil.  zkseq-fw
// with --l1 https://localhost:PORT and the CA posts every sealed batch
// through it (mbedTLS, certificate and host name checked); the same
// firmware given another CA, or the right CA and a host name the certificate
// does not name, refuses the server, says why, and posts nothing; given the
// right CA again it catches up, nothing lost or twice.
import { execFileSync } from 'node:child_process';
import fs from 'node:fs';
import net from 'node:net';
import path from 'node:path';
import tls from 'node:tls';
import { ok, eq, done } from '../tests/integ/tap.mjs';
import { devKeys } from '../tests/integ/zkseqd.mjs';
import { startAppliance, verifyL1, transferLoad, tempDir, sleep } from '../tests/integ/appliance.mjs';

// Two CAs; the server's certificate is signed by the first.
const pki = tempDir('l1tls-pki');
const ossl = (...a) => execFileSync('openssl', a, { cwd: pki, stdio: ['ignore', 'ignore', 'pipe'] });
for (const ca of ['ca', 'other-ca']) {
  ossl('req', '-x509', '-newkey', 'ec', '-pkeyopt', 'ec_paramgen_curve:prime256v1', '-nodes', '-days', '2',
    '-subj', `/CN=zkseq test ${ca}`, '-keyout', `${ca}.key`, '-out', `${ca}.pem`);
}
fs.writeFileSync(path.join(pki, 'ext.cnf'), 'subjectAltName=DNS:localhost\nbasicConstraints=CA:FALSE\n');
ossl('req', '-newkey', 'ec', '-pkeyopt', 'ec_paramgen_curve:prime256v1', '-nodes', '-subj', '/CN=localhost',
  '-keyout', 'server.key', '-out', 'server.csr');
ossl('x509', '-req', '-in', 'server.csr', '-CA', 'ca.pem', '-CAkey', 'ca.key', '-CAcreateserial', '-days', '2',
  '-extfile', 'ext.cnf', '-out', 'server.pem');

const app = await startAppliance({ name: 'l1tls' });
const stats = { sessions: 0, refused: 0 };
const proxy = tls.createServer({ key: fs.readFileSync(path.join(pki, 'server.key')),
  cert: fs.readFileSync(path.join(pki, 'server.pem')) }, (s) => {
  stats.sessions++;
  const up = net.connect(app.port, '127.0.0.1');
  s.pipe(up).pipe(s);
  const end = () => { s.destroy(); up.destroy(); };
  s.on('error', end); up.on('error', end); s.on('close', end); up.on('close', end);
});
proxy.on('tlsClientError', () => { stats.refused++; });
await new Promise((r) => proxy.listen(0, '127.0.0.1', r));
const url = `https://localhost:${proxy.address().port}`;
const tlsArgs = (ca) => ['--l1', url, '--l1-ca-file', path.join(pki, ca)];
let load;
try {
  await app.startFw(tlsArgs('ca.pem'));
  await app.startZk();
  load = transferLoad(app, devKeys.slice(1, 5), { perSecond: 40 });
  await app.waitFor('batches on L1 over HTTPS', async () => Number(await app.rollup.lastBatchSequenced()) >= 2, 60000);
  ok(stats.sessions > 0, `the firmware reached anvil through TLS (${stats.sessions} sessions)`);
  ok(/L1 reachable at https:\/\/localhost/.test(app.fw.log()), 'the firmware logs its https endpoint as reachable');
  const st = await app.waitFor('zkseqd to see them', async () => { const s = await app.l1Status(); return s.virtualBatch >= 2 ? s : undefined; }, 20000).catch(() => ({}));
  ok(st.firmware === true && st.virtualBatch >= 2, `zkseqd sees virtual batches (${st.virtualBatch})`);

  // Another CA: the handshake fails on the certificate, nothing is posted.
  await app.fw.stop('SIGTERM');
  // What the trusted firmware sent before it stopped is mined first (a blob
  // transaction may still be in the pool), so `before` is what L1 ends with.
  await app.waitFor('the stopped firmware\'s transactions to be mined', async () =>
    (await app.provider.getTransactionCount(app.sequencer, 'pending')) === (await app.provider.getTransactionCount(app.sequencer, 'latest')), 20000);
  const before = Number(await app.rollup.lastBatchSequenced());
  const refusedBefore = stats.refused;
  await app.startFw(tlsArgs('other-ca.pem'));
  await sleep(5000);
  ok(/certificate not trusted/.test(app.fw.log()), 'with another CA the firmware says the certificate is not trusted',
    app.fw.log().split('\n').filter((l) => /TLS|L1/.test(l)).slice(-3).join(' | '));
  ok(stats.refused > refusedBefore, 'the server saw the handshake refused');
  eq(Number(await app.rollup.lastBatchSequenced()), before, 'nothing was posted to an untrusted server');
  const st2 = await app.l1Status();
  ok(st2.trustedBatch > before, `the host kept sequencing meanwhile (trusted ${st2.trustedBatch}, L1 ${before})`);

  // The right CA, but a name the certificate does not carry (127.0.0.1).
  await app.fw.stop('SIGTERM');
  await app.startFw(['--l1', url.replace('localhost', '127.0.0.1'), '--l1-ca-file', path.join(pki, 'ca.pem')]);
  await sleep(4000);
  ok(/TLS handshake with 127\.0\.0\.1 failed \(certificate not trusted\)/.test(app.fw.log()),
    'a certificate for another host name is refused');
  eq(Number(await app.rollup.lastBatchSequenced()), before, 'nothing was posted to it');

  // The right CA again: the backlog goes out.
  await app.fw.stop('SIGTERM');
  await app.startFw(tlsArgs('ca.pem'));
  await load.stop();
  load = null;
  await app.settle(90000);
  const v = await verifyL1(app);
  eq(v.problems, [], `L1 holds batches 1..${v.last} once each with zkseqd's bytes and the same accInputHash`);
} finally {
  if (load) await load.stop();
  await app.stop();
  proxy.close();
}
done();

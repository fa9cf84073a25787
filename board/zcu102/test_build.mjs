#!/usr/bin/env node
// `make firmware-aarch64` builds the firmware for the zcu102 board: a static
// AArch64 ELF with no program interpreter, the firmware core, the board's
// HAL and libsecp256k1's signing inside, and no undefined symbol.  (It boots
// on QEMU's zcu102 model: test_qemu.mjs.)
import { execFileSync } from 'node:child_process';
import fs from 'node:fs';
import path from 'node:path';
import { ok, eq, done, top, bin } from '../../tests/integ/tap.mjs';

const build = path.dirname(bin);
execFileSync('make', ['-s', '-C', top, `BUILD=${build}`, 'firmware-aarch64'], { stdio: ['ignore', 'ignore', 'inherit'] });
const elf = path.join(build, 'aarch64/zkseq-fw.elf');
const b = fs.readFileSync(elf);
ok(b.readUInt32BE(0) === 0x7f454c46, 'an ELF file');
eq(b[4], 2, '64-bit');
eq(b.readUInt16LE(18), 183, 'machine: AArch64');
eq(b.readUInt16LE(16), 2, 'an executable (ET_EXEC), linked at fixed addresses');
const phoff = Number(b.readBigUInt64LE(32)), phentsize = b.readUInt16LE(54), phnum = b.readUInt16LE(56);
let interp = false;
for (let i = 0; i < phnum; i++) if (b.readUInt32LE(phoff + i * phentsize) === 3) interp = true;
ok(!interp, 'no program interpreter: bare metal, nothing dynamic');
const nm = execFileSync('aarch64-linux-gnu-nm', [elf]).toString();
for (const sym of ['main', 'fw_init', 'fw_step', 'fw_submit_tick', 'zcu102_board_init', 'secp256k1_ecdsa_sign_recoverable', 'zs_keccak256'])
  ok(new RegExp(` [TtWw] ${sym}$`, 'm').test(nm), `${sym} is linked in`);
const undef = nm.split('\n').filter((l) => /^\s+U /.test(l));
eq(undef, [], 'no undefined symbols');
ok(!/ [Tt] (socket|pthread_create|open)$/m.test(nm), 'no POSIX system calls linked in');
done();

#!/usr/bin/env node
// A second-language smimed client: loads the smimed.v1 proto at run time, connects over TLS
// (mutual TLS when a client certificate is given), lists the identities, and signs the digest
// of a file as one identity, with the hash the directory names for its key. Prints one JSON
// object; exits 1 with a one-line reason.
//
//   node sign.js --target localhost:8443 --ca ca.crt [--cert client.crt --key client.key]
//                --identity rsa-demo@smimed.example --in message.eml
'use strict';
const fs = require('fs');
const path = require('path');
const crypto = require('crypto');
const grpc = require('@grpc/grpc-js');
const protoLoader = require('@grpc/proto-loader');

const PROTO_DIR = path.join(__dirname, '..', '..', 'proto', 'src', 'main', 'proto');
const SERVICE_CONFIG = path.join(PROTO_DIR, 'smimed', 'v1', 'service-config.json');
const HASHES = {
  DIGEST_ALGORITHM_SHA256: 'sha256',
  DIGEST_ALGORITHM_SHA384: 'sha384',
  DIGEST_ALGORITHM_SHA512: 'sha512',
};

function parseArgs(argv) {
  const args = {};
  for (let i = 0; i < argv.length; i += 2) {
    if (!argv[i].startsWith('--') || argv[i + 1] === undefined) {
      throw new Error(`bad argument ${argv[i]}; see the header of sign.js`);
    }
    args[argv[i].slice(2)] = argv[i + 1];
  }
  for (const required of ['target', 'ca', 'identity', 'in']) {
    if (!args[required]) throw new Error(`--${required} is required`);
  }
  return args;
}

function loadApi() {
  // oneofs: streaming answers (Decrypt, SignStream) say which `part` they carry in a oneof.
  const definition = protoLoader.loadSync('smimed/v1/smimed.proto', {
    includeDirs: [PROTO_DIR], keepCase: false, longs: String, enums: String, defaults: true,
    oneofs: true,
  });
  return grpc.loadPackageDefinition(definition).smimed.v1;
}

function credentials(args) {
  const ca = fs.readFileSync(args.ca);
  if (args.cert && args.key) {
    return grpc.credentials.createSsl(ca, fs.readFileSync(args.key), fs.readFileSync(args.cert));
  }
  return grpc.credentials.createSsl(ca);
}

function call(client, method, request) {
  const deadline = new Date(Date.now() + 30000);
  return new Promise((resolve, reject) => {
    client[method](request, { deadline }, (err, response) => (err ? reject(err) : resolve(response)));
  });
}

async function main() {
  const args = parseArgs(process.argv.slice(2));
  const api = loadApi();
  const creds = credentials(args);
  // The Java client's channel settings: round-robin over every daemon of the target, a
  // deadline per call, calls failed by a daemon gone (UNAVAILABLE, UNKNOWN) sent to another.
  // Keepalive as the Java client stub does: leave a replica that froze within seconds
  // (the daemon permits a ping every 5 s).
  const options = {
    'grpc.service_config': fs.readFileSync(SERVICE_CONFIG, 'utf8'),
    'grpc.keepalive_time_ms': 10000,
    'grpc.keepalive_timeout_ms': 5000,
  };
  const directory = new api.DirectoryService(args.target, creds, options);
  const signing = new api.SigningService(args.target, creds, options);
  const identities = await call(directory, 'listIdentities', {});
  // The hash that goes with the identity's key (SHA-384 for P-384, SHA-512 for P-521 and
  // Ed25519, else SHA-256), as the directory names it; a daemon older than that field
  // names none, and SHA-256 is what its RSA and P-256 keys take.
  const identity = await call(directory, 'getIdentity', { identity: args.identity });
  const algorithm = HASHES[identity.digestAlgorithm] ? identity.digestAlgorithm
    : 'DIGEST_ALGORITHM_SHA256';
  const digest = crypto.createHash(HASHES[algorithm]).update(fs.readFileSync(args.in)).digest();
  const signed = await call(signing, 'sign', {
    identity: args.identity,
    digest: { algorithm, value: digest },
  });
  console.log(JSON.stringify({
    identities: identities.identities.map((i) => i.identity),
    keyVersion: signed.keyVersion,
    micalg: signed.micalg,
    signedData: signed.signedData.toString('base64'),
  }));
  directory.close();
  signing.close();
}

main().catch((err) => {
  const code = err.code !== undefined ? ` (${grpc.status[err.code]})` : '';
  console.error(`sign.js: ${err.details || err.message}${code}`);
  process.exit(1);
});

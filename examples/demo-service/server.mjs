#!/usr/bin/env node
// gowinproc's demo gRPC service: demo.Greeter/SayHello, grpc.health.v1.Health and server
// reflection (v1 and v1alpha, so `grpcurl -plaintext localhost:PORT list` and gowinproc's
// /api/registry see its API) on the port gowinproc gives it (GRPC_PORT, or PORT).
// Stops gracefully on SIGTERM/SIGINT.
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import * as grpc from '@grpc/grpc-js';
import * as protoLoader from '@grpc/proto-loader';
import { ReflectionService } from '@grpc/reflection';

const here = dirname(fileURLToPath(import.meta.url));
const definitions = protoLoader.loadSync(
  ['greeter.proto', 'health.proto'].map((file) => join(here, 'protos', file)),
  { keepCase: true, enums: String, defaults: true },
);
const loaded = grpc.loadPackageDefinition(definitions);
const demo = loaded.demo;
const health = loaded.grpc.health.v1;

const port = Number(process.env.GRPC_PORT ?? process.env.PORT ?? 50051);
const instanceId = process.env.INSTANCE_ID ?? 'standalone';
let status = 'SERVING';

const server = new grpc.Server();
server.addService(demo.Greeter.service, {
  SayHello(call, callback) {
    const name = call.request.name || 'world';
    callback(null, { message: `Hello, ${name}!`, instance_id: instanceId, port });
  },
});
server.addService(health.Health.service, {
  Check(call, callback) {
    const service = call.request.service;
    if (service !== '' && service !== 'demo.Greeter') {
      callback(null, { status: 'SERVICE_UNKNOWN' });
      return;
    }
    callback(null, { status });
  },
  Watch(call) {
    call.write({ status });
  },
});

new ReflectionService(definitions).addToServer(server);

server.bindAsync(`0.0.0.0:${port}`, grpc.ServerCredentials.createInsecure(), (error, bound) => {
  if (error) {
    console.error(`cannot listen on port ${port}: ${error.message}`);
    process.exit(1);
  }
  console.log(`demo service ${instanceId} listening on port ${bound}`);
});

const stop = (signal) => {
  console.log(`${signal}: draining and stopping`);
  status = 'NOT_SERVING';
  server.tryShutdown(() => process.exit(0));
  setTimeout(() => process.exit(0), 5000).unref();
};
process.on('SIGTERM', () => stop('SIGTERM'));
process.on('SIGINT', () => stop('SIGINT'));

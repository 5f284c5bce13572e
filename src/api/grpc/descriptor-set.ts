/**
 * The descriptors server reflection answers from: files by name, the file declaring each symbol,
 * and extensions by (extendee, number). Symbols are read from each FileDescriptorProto rather than
 * the Desc tree, because protobuf-es hides synthetic map-entry messages
 * (`tunnel.TunnelProcessInfo.MessagesEntry`) that grpc-go and grpcurl resolve like any message.
 */
import { toBinary, type DescFile } from '@bufbuild/protobuf';
import {
  FileDescriptorProtoSchema,
  type DescriptorProto,
  type EnumDescriptorProto,
  type FieldDescriptorProto,
} from '@bufbuild/protobuf/wkt';

export interface DescriptorSet {
  /** Fully-qualified names of every service declared in the set, sorted. */
  readonly serviceNames: readonly string[];
  fileByName(name: string): DescFile | undefined;
  fileContainingSymbol(symbol: string): DescFile | undefined;
  fileContainingExtension(extendee: string, number: number): DescFile | undefined;
  /** Extension numbers declared for a message, or undefined when the message is unknown. */
  extensionNumbersOf(messageName: string): number[] | undefined;
}

/** Indexes the given files and, transitively, every file they import. */
export function createDescriptorSet(files: Iterable<DescFile>): DescriptorSet {
  const byName = new Map<string, DescFile>();
  for (const file of files) for (const f of withDependencies(file)) byName.set(f.proto.name, f);

  const symbols = new Map<string, DescFile>();
  const messages = new Set<string>();
  const extensions = new Map<string, Map<number, DescFile>>();
  const services: string[] = [];

  const addExtensions = (fields: FieldDescriptorProto[], file: DescFile) => {
    for (const ext of fields) {
      const extendee = trimDot(ext.extendee);
      const numbers = extensions.get(extendee) ?? new Map<number, DescFile>();
      numbers.set(ext.number, file);
      extensions.set(extendee, numbers);
    }
  };
  const addEnums = (enums: EnumDescriptorProto[], scope: string, file: DescFile) => {
    for (const e of enums) {
      symbols.set(qualify(scope, e.name), file);
      // Enum values are scoped as siblings of their enum, as in C++ (protobuf's scoping rules).
      for (const value of e.value) symbols.set(qualify(scope, value.name), file);
    }
  };
  const addMessages = (list: DescriptorProto[], scope: string, file: DescFile) => {
    for (const message of list) {
      const name = qualify(scope, message.name);
      symbols.set(name, file);
      messages.add(name);
      for (const field of [...message.field, ...message.extension])
        symbols.set(qualify(name, field.name), file);
      for (const oneof of message.oneofDecl) symbols.set(qualify(name, oneof.name), file);
      addExtensions(message.extension, file);
      addEnums(message.enumType, name, file);
      addMessages(message.nestedType, name, file);
    }
  };

  for (const file of byName.values()) {
    const pkg = file.proto.package;
    for (const service of file.proto.service) {
      const name = qualify(pkg, service.name);
      services.push(name);
      symbols.set(name, file);
      for (const method of service.method) symbols.set(qualify(name, method.name), file);
    }
    for (const ext of file.proto.extension) symbols.set(qualify(pkg, ext.name), file);
    addExtensions(file.proto.extension, file);
    addEnums(file.proto.enumType, pkg, file);
    addMessages(file.proto.messageType, pkg, file);
  }
  services.sort();

  return {
    serviceNames: services,
    fileByName: (name) => byName.get(name),
    fileContainingSymbol: (symbol) => symbols.get(trimDot(symbol)),
    fileContainingExtension: (extendee, number) => extensions.get(trimDot(extendee))?.get(number),
    extensionNumbersOf(messageName) {
      const name = trimDot(messageName);
      if (!messages.has(name)) return undefined;
      return [...(extensions.get(name)?.keys() ?? [])].sort((a, b) => a - b);
    },
  };
}

/** The file first, then every file it imports, transitively, each once (as grpc-go sends them). */
export function withDependencies(file: DescFile): DescFile[] {
  const seen = new Set<string>();
  const ordered: DescFile[] = [];
  const queue = [file];
  for (let next = queue.shift(); next; next = queue.shift()) {
    if (seen.has(next.proto.name)) continue;
    seen.add(next.proto.name);
    ordered.push(next);
    queue.push(...next.dependencies);
  }
  return ordered;
}

/** Serialized FileDescriptorProtos, the form reflection's file_descriptor_proto carries. */
export function serializeFiles(files: readonly DescFile[]): Uint8Array[] {
  return files.map((file) => toBinary(FileDescriptorProtoSchema, file.proto));
}

function qualify(scope: string, name: string): string {
  return scope ? `${scope}.${name}` : name;
}

function trimDot(name: string): string {
  return name.startsWith('.') ? name.slice(1) : name;
}

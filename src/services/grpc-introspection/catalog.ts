/**
 * The registry view of reflected descriptors: services with their methods, and every message
 * (nested ones and map entries included, so each field's type can be looked up) with its fields.
 * Reads the qualified FileDescriptorProtos (file-registry.ts), the way the original read protoc's.
 */
import {
  FieldDescriptorProto_Label,
  FieldDescriptorProto_Type,
  type DescriptorProto,
  type FieldDescriptorProto,
  type FileDescriptorProto,
} from '@bufbuild/protobuf/wkt';
import type { FieldSummary, MessageSummary, ServiceCatalog, ServiceSummary } from './types.js';

const SCALAR_NAMES: Partial<Record<FieldDescriptorProto_Type, string>> = {
  [FieldDescriptorProto_Type.DOUBLE]: 'double',
  [FieldDescriptorProto_Type.FLOAT]: 'float',
  [FieldDescriptorProto_Type.INT64]: 'int64',
  [FieldDescriptorProto_Type.UINT64]: 'uint64',
  [FieldDescriptorProto_Type.INT32]: 'int32',
  [FieldDescriptorProto_Type.FIXED64]: 'fixed64',
  [FieldDescriptorProto_Type.FIXED32]: 'fixed32',
  [FieldDescriptorProto_Type.BOOL]: 'bool',
  [FieldDescriptorProto_Type.STRING]: 'string',
  [FieldDescriptorProto_Type.BYTES]: 'bytes',
  [FieldDescriptorProto_Type.UINT32]: 'uint32',
  [FieldDescriptorProto_Type.SFIXED32]: 'sfixed32',
  [FieldDescriptorProto_Type.SFIXED64]: 'sfixed64',
  [FieldDescriptorProto_Type.SINT32]: 'sint32',
  [FieldDescriptorProto_Type.SINT64]: 'sint64',
};

/** `serviceNames` are the services the server lists; a name without a descriptor has no methods. */
export function describeServices(
  files: readonly FileDescriptorProto[],
  serviceNames: readonly string[],
): ServiceCatalog {
  const services = new Map<string, ServiceSummary>();
  const messages: Record<string, MessageSummary> = {};
  for (const file of files) {
    for (const service of file.service) {
      const name = qualify(file.package, service.name);
      services.set(name, {
        name,
        methods: service.method.map((method) => ({
          name: method.name,
          input_type: method.inputType,
          output_type: method.outputType,
        })),
      });
    }
    collectMessages(file.messageType, file.package, messages);
  }
  return {
    services: [...new Set(serviceNames)]
      .sort(byCodeUnits)
      .map((name) => services.get(name) ?? { name, methods: [] }),
    messages,
  };
}

function collectMessages(
  list: readonly DescriptorProto[],
  scope: string,
  into: Record<string, MessageSummary>,
): void {
  for (const message of list) {
    const fullName = qualify(scope, message.name);
    const key = `.${fullName}`;
    into[key] = { name: key, fields: message.field.map(fieldSummary) };
    collectMessages(message.nestedType, fullName, into);
  }
}

function fieldSummary(field: FieldDescriptorProto): FieldSummary {
  return {
    name: field.name,
    type: SCALAR_NAMES[field.type] ?? (field.typeName || 'unknown'),
    repeated: field.label === FieldDescriptorProto_Label.REPEATED,
    number: field.number,
    optional: field.label === FieldDescriptorProto_Label.OPTIONAL,
  };
}

function qualify(scope: string, name: string): string {
  return scope === '' ? name : `${scope}.${name}`;
}

// Not localeCompare: ICU collation data costs the daemon memory (see app/process-use-cases.ts).
function byCodeUnits(a: string, b: string): number {
  return a < b ? -1 : a > b ? 1 : 0;
}

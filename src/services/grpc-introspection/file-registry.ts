/**
 * Turns the FileDescriptorProtos a server's reflection sent into a protobuf-es FileRegistry.
 *
 * Servers differ in what they send. protoc-built ones (grpc-go, grpc-java) send fully qualified
 * type names (".pkg.Type") and list their imports; @grpc/reflection (grpc-js) sends names relative
 * to the scope ("Dimensions", "google.protobuf.Timestamp") and no `dependency` list. So every type
 * name is resolved here with protobuf's scoping rules, imports are completed from the types a
 * file uses, a missing json_name (protoc always fills it; grpc-js does not) gets its default, and
 * a well-known file the server did not send is taken from protobuf-es's own copy.
 */
import {
  clone,
  create,
  createFileRegistry,
  isFieldSet,
  type FileRegistry,
} from '@bufbuild/protobuf';
import {
  FieldDescriptorProtoSchema,
  FieldDescriptorProto_Type,
  FileDescriptorProtoSchema,
  FileDescriptorSetSchema,
  file_google_protobuf_any,
  file_google_protobuf_api,
  file_google_protobuf_descriptor,
  file_google_protobuf_duration,
  file_google_protobuf_empty,
  file_google_protobuf_field_mask,
  file_google_protobuf_source_context,
  file_google_protobuf_struct,
  file_google_protobuf_timestamp,
  file_google_protobuf_type,
  file_google_protobuf_wrappers,
  type DescriptorProto,
  type FieldDescriptorProto,
  type FileDescriptorProto,
} from '@bufbuild/protobuf/wkt';
import { protoCamelCase } from '@bufbuild/protobuf/reflect';

const WELL_KNOWN_FILES: readonly FileDescriptorProto[] = [
  file_google_protobuf_any,
  file_google_protobuf_api,
  file_google_protobuf_descriptor,
  file_google_protobuf_duration,
  file_google_protobuf_empty,
  file_google_protobuf_field_mask,
  file_google_protobuf_source_context,
  file_google_protobuf_struct,
  file_google_protobuf_timestamp,
  file_google_protobuf_type,
  file_google_protobuf_wrappers,
].map((file) => file.proto);

type SymbolKind = 'message' | 'enum';

interface Declaration {
  kind: SymbolKind;
  file: FileDescriptorProto;
}

export interface ReflectedFiles {
  registry: FileRegistry;
  /** The files with fully qualified type names and complete imports, dependencies first. */
  files: FileDescriptorProto[];
}

/** Throws an Error naming the file and type when the files do not describe a closed set of types. */
export function buildFileRegistry(received: Iterable<FileDescriptorProto>): ReflectedFiles {
  const files = new Map<string, FileDescriptorProto>();
  for (const file of received) {
    if (!files.has(file.name)) files.set(file.name, clone(FileDescriptorProtoSchema, file));
  }
  const declarations = new Map<string, Declaration>();
  for (const file of files.values()) declare(file, declarations, false);
  const wellKnown = new Map(WELL_KNOWN_FILES.map((file) => [file.name, file]));
  for (const file of wellKnown.values())
    if (!files.has(file.name)) declare(file, declarations, true);

  for (const file of files.values()) qualifyFile(file, declarations);

  const ordered: FileDescriptorProto[] = [];
  const placed = new Set<string>();
  const place = (name: string, importer: string, path: string[]): void => {
    if (placed.has(name)) return;
    if (path.includes(name)) throw new Error(`import cycle: ${[...path, name].join(' -> ')}`);
    const file = files.get(name) ?? wellKnown.get(name);
    if (!file) throw new Error(`${importer} imports ${name}, which reflection did not send`);
    for (const dependency of file.dependency) place(dependency, name, [...path, name]);
    placed.add(name);
    ordered.push(file);
  };
  for (const name of files.keys()) place(name, name, []);
  return {
    registry: createFileRegistry(create(FileDescriptorSetSchema, { file: ordered })),
    files: ordered,
  };
}

/** Records each message and enum of a file under its full name (without the leading dot). */
function declare(
  file: FileDescriptorProto,
  declarations: Map<string, Declaration>,
  fallback: boolean,
): void {
  const add = (name: string, kind: SymbolKind) => {
    if (!fallback || !declarations.has(name)) declarations.set(name, { kind, file });
  };
  const visit = (messages: DescriptorProto[], scope: string) => {
    for (const message of messages) {
      const name = join(scope, message.name);
      add(name, 'message');
      for (const e of message.enumType) add(join(name, e.name), 'enum');
      visit(message.nestedType, name);
    }
  };
  for (const e of file.enumType) add(join(file.package, e.name), 'enum');
  visit(file.messageType, file.package);
}

/** Rewrites every type reference of the file to ".full.Name" and adds the imports it needs. */
function qualifyFile(file: FileDescriptorProto, declarations: Map<string, Declaration>): void {
  const imports = new Set(file.dependency);
  const resolve = (
    reference: string,
    scope: string,
    user: string,
  ): Declaration & { name: string } => {
    const found = lookUp(reference, scope, declarations);
    if (!found) throw new Error(`${file.name}: cannot resolve type "${reference}" used by ${user}`);
    if (found.file !== file) imports.add(found.file.name);
    return found;
  };
  const qualifyField = (field: FieldDescriptorProto, scope: string, user: string): void => {
    if (!isFieldSet(field, FieldDescriptorProtoSchema.field.jsonName)) {
      field.jsonName = protoCamelCase(field.name);
    }
    if (field.typeName !== '') {
      const found = resolve(field.typeName, scope, `${user}.${field.name}`);
      field.typeName = `.${found.name}`;
      const typeGiven = isFieldSet(field, FieldDescriptorProtoSchema.field.type);
      if (
        !typeGiven ||
        field.type === FieldDescriptorProto_Type.MESSAGE ||
        field.type === FieldDescriptorProto_Type.ENUM
      ) {
        field.type =
          found.kind === 'enum'
            ? FieldDescriptorProto_Type.ENUM
            : FieldDescriptorProto_Type.MESSAGE;
      }
    }
    if (field.extendee !== '') {
      field.extendee = `.${resolve(field.extendee, scope, `${user}.${field.name}`).name}`;
    }
  };
  const visit = (messages: DescriptorProto[], scope: string) => {
    for (const message of messages) {
      const name = join(scope, message.name);
      for (const field of [...message.field, ...message.extension]) qualifyField(field, name, name);
      visit(message.nestedType, name);
    }
  };
  visit(file.messageType, file.package);
  for (const extension of file.extension) qualifyField(extension, file.package, file.package);
  for (const service of file.service) {
    const scope = join(file.package, service.name);
    for (const method of service.method) {
      const user = `${scope}.${method.name}`;
      method.inputType = `.${resolve(method.inputType, scope, user).name}`;
      method.outputType = `.${resolve(method.outputType, scope, user).name}`;
    }
  }
  file.dependency = [...imports];
}

/**
 * protobuf's scoping: a fully qualified ".a.B" is itself; a relative "B" or "a.B" is searched in
 * the innermost scope first, then in each enclosing one, up to the root.
 */
function lookUp(
  reference: string,
  scope: string,
  declarations: Map<string, Declaration>,
): (Declaration & { name: string }) | undefined {
  if (reference.startsWith('.')) {
    const name = reference.slice(1);
    const found = declarations.get(name);
    return found && { ...found, name };
  }
  for (let outer: string | undefined = scope; outer !== undefined; outer = parent(outer)) {
    const name = join(outer, reference);
    const found = declarations.get(name);
    if (found) return { ...found, name };
  }
  return undefined;
}

function parent(scope: string): string | undefined {
  if (scope === '') return undefined;
  const dot = scope.lastIndexOf('.');
  return dot < 0 ? '' : scope.slice(0, dot);
}

function join(scope: string, name: string): string {
  return scope === '' ? name : `${scope}.${name}`;
}

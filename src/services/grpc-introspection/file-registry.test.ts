import { create, fromBinary, toBinary, type MessageInitShape } from '@bufbuild/protobuf';
import {
  FieldDescriptorProtoSchema,
  FieldDescriptorProto_Label,
  FieldDescriptorProto_Type,
  FileDescriptorProtoSchema,
  file_google_protobuf_timestamp,
  type FieldDescriptorProto,
} from '@bufbuild/protobuf/wkt';
import { describe, expect, it } from 'vitest';
import { describeServices } from './catalog.js';
import { buildFileRegistry } from './file-registry.js';

interface FieldOptions {
  type?: FieldDescriptorProto_Type;
  typeName?: string;
  label?: FieldDescriptorProto_Label;
  jsonName?: string;
}

const { OPTIONAL, REPEATED } = FieldDescriptorProto_Label;
const T = FieldDescriptorProto_Type;

/** As a server would send it: encoded, so presence (json_name, type) is as on the wire. */
function file(init: MessageInitShape<typeof FileDescriptorProtoSchema>) {
  return fromBinary(
    FileDescriptorProtoSchema,
    toBinary(FileDescriptorProtoSchema, create(FileDescriptorProtoSchema, init)),
  );
}

function field(name: string, number: number, more: FieldOptions = {}): FieldDescriptorProto {
  return create(FieldDescriptorProtoSchema, {
    name,
    number,
    label: OPTIONAL,
    type: T.STRING,
    ...more,
  });
}

function fieldOf(
  files: ReturnType<typeof buildFileRegistry>['files'],
  message: string,
  name: string,
) {
  const [pkg, ...path] = message.split('/');
  const found = files.find((f) => f.package === pkg);
  let messages = found?.messageType ?? [];
  let target;
  for (const part of path) {
    target = messages.find((m) => m.name === part);
    messages = target?.nestedType ?? [];
  }
  return target?.field.find((f) => f.name === name) as FieldDescriptorProto;
}

describe('buildFileRegistry', () => {
  it('takes protoc-style files (fully qualified names, imports listed) as they are', () => {
    const { registry, files } = buildFileRegistry([
      file({
        name: 'shop/order.proto',
        package: 'shop',
        syntax: 'proto3',
        dependency: ['shop/common.proto', 'google/protobuf/timestamp.proto'],
        messageType: [
          {
            name: 'Order',
            field: [
              field('order_id', 1, { jsonName: 'orderId' }),
              field('money', 2, { type: T.MESSAGE, typeName: '.shop.Money', jsonName: 'money' }),
              field('at', 3, {
                type: T.MESSAGE,
                typeName: '.google.protobuf.Timestamp',
                jsonName: 'at',
              }),
            ],
          },
        ],
        service: [
          {
            name: 'Orders',
            method: [{ name: 'Get', inputType: '.shop.Order', outputType: '.shop.Order' }],
          },
        ],
      }),
      file({
        name: 'shop/common.proto',
        package: 'shop',
        syntax: 'proto3',
        messageType: [{ name: 'Money', field: [field('cents', 1, { type: T.INT64 })] }],
      }),
      // The server sent the well-known file too.
      file_google_protobuf_timestamp.proto,
    ]);
    expect(files.map((f) => f.name)).toEqual([
      'shop/common.proto',
      'google/protobuf/timestamp.proto',
      'shop/order.proto',
    ]);
    const order = registry.getMessage('shop.Order');
    expect(order?.fields.map((f) => `${f.name}:${f.jsonName}`)).toEqual([
      'order_id:orderId',
      'money:money',
      'at:at',
    ]);
    expect(order?.field.money?.message?.typeName).toBe('shop.Money');
    expect(registry.getService('shop.Orders')?.methods[0]?.input.typeName).toBe('shop.Order');
  });

  it('resolves relative type names innermost scope first, and adds the imports they need', () => {
    const { registry, files } = buildFileRegistry([
      file({
        name: 'a.proto',
        package: 'x.y',
        messageType: [
          {
            name: 'Outer',
            field: [
              field('inner', 1, { type: T.MESSAGE, typeName: 'Inner' }),
              field('top', 2, { type: T.MESSAGE, typeName: 'y.Top' }),
              field('kind', 3, { type: T.ENUM, typeName: 'Kind' }),
              field('other', 4, { type: T.MESSAGE, typeName: 'z.Other', label: REPEATED }),
              field('when', 5, { type: T.MESSAGE, typeName: 'google.protobuf.Timestamp' }),
            ],
            nestedType: [{ name: 'Inner', field: [field('shadowing', 1)] }],
          },
          { name: 'Inner', field: [field('top_level', 1)] },
          { name: 'Top' },
        ],
        enumType: [{ name: 'Kind', value: [{ name: 'KIND_UNSPECIFIED', number: 0 }] }],
        service: [{ name: 'S', method: [{ name: 'M', inputType: 'Outer', outputType: 'Top' }] }],
      }),
      file({ name: 'b.proto', package: 'z', messageType: [{ name: 'Other' }] }),
    ]);
    const typeName = (name: string) => fieldOf(files, 'x.y/Outer', name).typeName;
    expect(typeName('inner')).toBe('.x.y.Outer.Inner');
    expect(typeName('top')).toBe('.x.y.Top');
    expect(typeName('kind')).toBe('.x.y.Kind');
    expect(typeName('other')).toBe('.z.Other');
    // Not sent by the server: protobuf-es's copy of the well-known file stands in.
    expect(typeName('when')).toBe('.google.protobuf.Timestamp');
    expect(files.find((f) => f.name === 'a.proto')?.dependency).toEqual([
      'b.proto',
      'google/protobuf/timestamp.proto',
    ]);
    // json_name was missing: the default is filled in (protobuf-es needs it for JSON).
    expect(registry.getMessage('x.y.Outer.Inner')?.fields[0]?.jsonName).toBe('shadowing');
    expect(registry.getMessage('x.y.Outer')?.field.inner?.message?.typeName).toBe(
      'x.y.Outer.Inner',
    );
    expect(registry.getService('x.y.S')?.methods[0]?.output.typeName).toBe('x.y.Top');
  });

  it('names the file and field when a type or an import cannot be found', () => {
    expect(() =>
      buildFileRegistry([
        file({
          name: 'a.proto',
          package: 'p',
          messageType: [
            { name: 'M', field: [field('gone', 1, { type: T.MESSAGE, typeName: 'Gone' })] },
          ],
        }),
      ]),
    ).toThrow('a.proto: cannot resolve type "Gone" used by p.M.gone');
    expect(() =>
      buildFileRegistry([file({ name: 'a.proto', package: 'p', dependency: ['vendor/x.proto'] })]),
    ).toThrow('a.proto imports vendor/x.proto, which reflection did not send');
  });
});

describe('describeServices', () => {
  it('lists the listed services (those without a descriptor without methods) and all messages', () => {
    const { files } = buildFileRegistry([
      file({
        name: 'a.proto',
        package: 'p',
        messageType: [
          {
            name: 'M',
            field: [
              field('n', 1, { type: T.SINT64 }),
              field('data', 2, { type: T.BYTES, label: REPEATED }),
              field('e', 3, { type: T.ENUM, typeName: '.p.E' }),
            ],
          },
        ],
        enumType: [{ name: 'E', value: [{ name: 'E_UNSPECIFIED', number: 0 }] }],
        service: [{ name: 'S', method: [{ name: 'Do', inputType: '.p.M', outputType: '.p.M' }] }],
      }),
    ]);
    expect(describeServices(files, ['p.S', 'q.Undescribed'])).toEqual({
      services: [
        { name: 'p.S', methods: [{ name: 'Do', input_type: '.p.M', output_type: '.p.M' }] },
        { name: 'q.Undescribed', methods: [] },
      ],
      messages: {
        '.p.M': {
          name: '.p.M',
          fields: [
            { name: 'n', type: 'sint64', repeated: false, number: 1, optional: true },
            { name: 'data', type: 'bytes', repeated: true, number: 2, optional: false },
            { name: 'e', type: '.p.E', repeated: false, number: 3, optional: true },
          ],
        },
      },
    });
  });
});

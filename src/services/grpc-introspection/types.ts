/**
 * What reflection tells about an instance, as plain data in the shape of the original gowinproc's
 * registry (and of TunnelService's ServiceDetail/MessageDetail): type names are fully qualified
 * with a leading dot (".demo.HelloRequest"), scalars by their proto name ("string", "int32").
 */
export interface MethodSummary {
  name: string;
  input_type: string;
  output_type: string;
}

export interface ServiceSummary {
  /** Fully qualified, without a leading dot: "demo.Greeter". */
  name: string;
  methods: MethodSummary[];
}

export interface FieldSummary {
  name: string;
  /** A scalar name ("string", "int64"), or a message/enum name (".pkg.Type"). */
  type: string;
  repeated: boolean;
  number: number;
  /** The descriptor's label is LABEL_OPTIONAL (every singular proto3 field), as the original. */
  optional: boolean;
}

export interface MessageSummary {
  /** The same as its key in `messages`: ".pkg.Message" (nested: ".pkg.Outer.Inner"). */
  name: string;
  fields: FieldSummary[];
}

export interface ServiceCatalog {
  services: ServiceSummary[];
  messages: Record<string, MessageSummary>;
}

/** An instance to talk to: its pid keys the descriptor cache (a new process may serve new protos). */
export interface InstanceAddress {
  pid: number;
  port: number;
}

/** The answer of an invoked method: its JSON, or its gRPC status when the method failed. */
export type InvokeOutcome =
  { success: true; data: string } | { success: false; error: string; code: string };

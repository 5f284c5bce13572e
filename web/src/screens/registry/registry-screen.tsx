/**
 * Registry (/registry): the gRPC services and methods of each running process (read by server
 * reflection, GET /api/registry), and "Invoke" (operator): call a unary method with a JSON
 * request through POST /api/invoke and see the answer.
 */
import { useQuery } from '@tanstack/react-query';
import { useId, useRef, useState, type RefObject } from 'react';
import { get, post } from '../../api/client';
import { useAuth } from '../../auth';
import { ConfirmAction } from '../../components/confirm';
import { Empty, ErrorState, Loading, StateBadge } from '../../components/ui';
import './registry.css';

/** GET /api/registry (src/api/rest/routes/registry-routes.ts). */
export interface FieldInfo {
  name: string;
  type: string;
  repeated: boolean;
  number: number;
  optional: boolean;
}

export interface RegistryProcess {
  name: string;
  display_name: string;
  status: 'healthy' | 'degraded' | 'starting' | 'stopped' | 'failed';
  instances: number;
  proxy_path: string;
  repository: string;
  current_ports: number[];
  services: Array<{
    name: string;
    methods: Array<{ name: string; input_type: string; output_type: string }>;
  }>;
  messages: Record<string, { name: string; fields: FieldInfo[] }>;
}

export interface Registry {
  proxy_base_url: string;
  available_processes: RegistryProcess[];
  timestamp: string;
}

interface InvokeAnswer {
  success: boolean;
  data?: unknown;
  error?: string;
}

const NUMBER_TYPES = new Set([
  'double',
  'float',
  'int32',
  'int64',
  'uint32',
  'uint64',
  'sint32',
  'sint64',
  'fixed32',
  'fixed64',
  'sfixed32',
  'sfixed64',
]);

/**
 * A request skeleton from the input message's fields (scalars at their zero value, repeated
 * fields empty, nested messages as {}); enums are left out (their values are not listed).
 */
export function requestTemplate(
  messages: RegistryProcess['messages'],
  inputType: string,
): Record<string, unknown> {
  const template: Record<string, unknown> = {};
  for (const field of messages[inputType]?.fields ?? []) {
    if (field.repeated) template[field.name] = [];
    else if (field.type === 'string' || field.type === 'bytes') template[field.name] = '';
    else if (field.type === 'bool') template[field.name] = false;
    else if (NUMBER_TYPES.has(field.type)) template[field.name] = 0;
    else if (messages[field.type]) template[field.name] = {};
  }
  return template;
}

/** The request text as a JSON object, or what is wrong with it. Empty text is `{}`. */
export function parseRequest(
  text: string,
): { ok: true; value: Record<string, unknown> } | { ok: false; error: string } {
  if (text.trim() === '') return { ok: true, value: {} };
  let value: unknown;
  try {
    value = JSON.parse(text);
  } catch (error) {
    return { ok: false, error: `Not valid JSON: ${(error as Error).message}` };
  }
  if (typeof value !== 'object' || value === null || Array.isArray(value))
    return { ok: false, error: 'The request must be a JSON object, like {"name": "value"}.' };
  return { ok: true, value: value as Record<string, unknown> };
}

interface Target {
  process: string;
  service: string;
  method: string;
}

export function RegistryScreen() {
  const auth = useAuth();
  const registry = useQuery({
    queryKey: ['registry'],
    queryFn: () => get<Registry>('/api/registry'),
  });
  const [picked, setPicked] = useState<Target | undefined>();
  const invokeRef = useRef<HTMLTextAreaElement>(null);
  const canInvoke = auth.can('operator');
  const use = (target: Target) => {
    setPicked(target);
    invokeRef.current?.focus();
  };
  return (
    <section aria-labelledby="registry-title" className="registry">
      <div className="registry-head">
        <h1 id="registry-title">Registry</h1>
        <button
          type="button"
          onClick={() => void registry.refetch()}
          disabled={registry.isFetching}
        >
          {registry.isFetching ? 'Refreshing…' : 'Refresh'}
        </button>
      </div>
      {registry.isPending ? (
        <Loading what="the registry" />
      ) : registry.isError ? (
        <ErrorState error={registry.error} retry={() => void registry.refetch()} />
      ) : registry.data.available_processes.length === 0 ? (
        <Empty title="No process is configured">
          Add processes to the config; the registry lists the gRPC services of their running
          instances.
        </Empty>
      ) : (
        <>
          <p className="muted">
            Clients reach these services at <code>{registry.data.proxy_base_url}</code>.
          </p>
          {canInvoke ? (
            <InvokeForm
              processes={registry.data.available_processes}
              picked={picked}
              textRef={invokeRef}
            />
          ) : null}
          {registry.data.available_processes.map((p) => (
            <ProcessServices key={p.name} process={p} onUse={canInvoke ? use : undefined} />
          ))}
        </>
      )}
    </section>
  );
}

function ProcessServices(props: {
  process: RegistryProcess;
  onUse: ((t: Target) => void) | undefined;
}) {
  const p = props.process;
  return (
    <section className="panel registry-process" aria-label={`Services of ${p.name}`}>
      <h2>
        {p.display_name || p.name} <StateBadge state={p.status} />
      </h2>
      <p className="muted">
        {p.instances} ready instance{p.instances === 1 ? '' : 's'}
        {p.current_ports.length ? ` on port ${p.current_ports.join(', ')}` : ''} · invoke at{' '}
        <code>{p.proxy_path}</code>
        {p.repository ? ` · ${p.repository}` : ''}
      </p>
      {p.services.length === 0 ? (
        <Empty title="No services listed">
          {p.instances === 0
            ? 'No instance is ready: start the process to see its services.'
            : 'The instance does not serve gRPC server reflection, or did not answer within 5 s.'}
        </Empty>
      ) : (
        p.services.map((service) => (
          <div key={service.name} className="table-wrap">
            <table aria-label={`Methods of ${service.name}`}>
              <caption>
                <code>{service.name}</code>
              </caption>
              <thead>
                <tr>
                  <th>Method</th>
                  <th>Request</th>
                  <th>Response</th>
                  {props.onUse ? <th>Invoke</th> : null}
                </tr>
              </thead>
              <tbody>
                {service.methods.map((m) => (
                  <tr key={m.name}>
                    <td>{m.name}</td>
                    <td>
                      <code>{m.input_type.replace(/^\./, '')}</code>
                    </td>
                    <td>
                      <code>{m.output_type.replace(/^\./, '')}</code>
                    </td>
                    {props.onUse ? (
                      <td>
                        <button
                          type="button"
                          aria-label={`Use ${service.name}/${m.name} of ${p.name}`}
                          onClick={() =>
                            props.onUse?.({
                              process: p.name,
                              service: service.name,
                              method: m.name,
                            })
                          }
                        >
                          Use
                        </button>
                      </td>
                    ) : null}
                  </tr>
                ))}
              </tbody>
            </table>
          </div>
        ))
      )}
    </section>
  );
}

function InvokeForm(props: {
  processes: RegistryProcess[];
  picked: Target | undefined;
  textRef: RefObject<HTMLTextAreaElement | null>;
}) {
  const ids = useId();
  const withServices = props.processes.filter((p) => p.services.length > 0);
  const [choice, setChoice] = useState<Target | undefined>();
  const [text, setText] = useState<string | undefined>();
  const [answer, setAnswer] = useState<InvokeAnswer | undefined>();
  const [lastPicked, setLastPicked] = useState<Target | undefined>();
  // A "Use" click in a method table replaces the choice and the request skeleton.
  if (props.picked !== lastPicked) {
    setLastPicked(props.picked);
    if (props.picked) {
      setChoice(props.picked);
      setText(undefined);
    }
  }
  if (withServices.length === 0) {
    return (
      <Empty title="Nothing to invoke yet">
        No running instance lists a gRPC service (it needs server reflection).
      </Empty>
    );
  }
  const process = withServices.find((p) => p.name === choice?.process) ?? withServices[0]!;
  const service = process.services.find((s) => s.name === choice?.service) ?? process.services[0]!;
  const method = service.methods.find((m) => m.name === choice?.method) ?? service.methods[0];
  const request =
    text ??
    (method ? JSON.stringify(requestTemplate(process.messages, method.input_type), null, 2) : '{}');
  const parsed = parseRequest(request);
  const select = (patch: Partial<Target>) => {
    setChoice({
      process: patch.process ?? process.name,
      service: patch.process ? '' : (patch.service ?? service.name),
      method: patch.process || patch.service ? '' : (patch.method ?? method?.name ?? ''),
    });
    setText(undefined);
    setAnswer(undefined);
  };
  return (
    <section className="panel invoke" aria-labelledby={`${ids}-title`}>
      <h2 id={`${ids}-title`}>Invoke a method</h2>
      <div className="invoke-pickers">
        <label htmlFor={`${ids}-process`}>
          Process
          <select
            id={`${ids}-process`}
            value={process.name}
            onChange={(e) => select({ process: e.target.value })}
          >
            {withServices.map((p) => (
              <option key={p.name}>{p.name}</option>
            ))}
          </select>
        </label>
        <label htmlFor={`${ids}-service`}>
          Service
          <select
            id={`${ids}-service`}
            value={service.name}
            onChange={(e) => select({ service: e.target.value })}
          >
            {process.services.map((s) => (
              <option key={s.name}>{s.name}</option>
            ))}
          </select>
        </label>
        <label htmlFor={`${ids}-method`}>
          Method
          <select
            id={`${ids}-method`}
            value={method?.name ?? ''}
            onChange={(e) => select({ method: e.target.value })}
          >
            {service.methods.map((m) => (
              <option key={m.name}>{m.name}</option>
            ))}
          </select>
        </label>
      </div>
      <label htmlFor={`${ids}-request`}>
        Request (JSON){method ? ` — ${method.input_type.replace(/^\./, '')}` : ''}
      </label>
      <textarea
        id={`${ids}-request`}
        ref={props.textRef}
        className="invoke-request"
        rows={8}
        spellCheck={false}
        value={request}
        aria-invalid={!parsed.ok}
        aria-describedby={parsed.ok ? undefined : `${ids}-invalid`}
        onChange={(e) => setText(e.target.value)}
      />
      {parsed.ok ? null : (
        <p id={`${ids}-invalid`} className="bad" role="alert">
          {parsed.error}
        </p>
      )}
      <ConfirmAction
        label="Invoke"
        confirmLabel="Call it"
        disabled={!parsed.ok || !method}
        question={`Call ${service.name}/${method?.name ?? ''} on a ready instance of ${process.name}? The method runs for real.`}
        run={async () => {
          if (!parsed.ok || !method) return;
          setAnswer(undefined);
          const result = await post<InvokeAnswer>('/api/invoke', {
            process: process.name,
            service: service.name,
            method: method.name,
            data: parsed.value,
          });
          setAnswer(result);
          if (!result.success) throw new Error(`the method answered ${result.error ?? 'an error'}`);
        }}
      />
      {answer ? <InvokeResult answer={answer} /> : null}
    </section>
  );
}

function InvokeResult({ answer }: { answer: InvokeAnswer }) {
  return (
    <div className="invoke-result">
      <h3>{answer.success ? 'Response' : 'The method answered an error'}</h3>
      {answer.success ? (
        <pre aria-label="Response" className="invoke-response">
          {JSON.stringify(answer.data, null, 2)}
        </pre>
      ) : (
        <pre aria-label="Response" className="invoke-response bad">
          {answer.error}
        </pre>
      )}
    </div>
  );
}

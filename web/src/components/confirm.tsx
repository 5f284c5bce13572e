/**
 * An action button that asks first (a native <dialog>, keyboard-accessible, Escape cancels) and
 * shows its progress and outcome: every start/stop/restart/scale/update/rollback goes through it.
 */
import { useRef, useState, type ReactNode } from 'react';
import { ApiError } from '../api/client';

export interface ConfirmActionProps {
  label: string;
  /** The question in the dialog, e.g. "Stop every instance of api?" */
  question: ReactNode;
  /** Runs on confirm; a string it resolves with, or its rejection, is shown beside the button. */
  run: () => Promise<unknown>;
  confirmLabel?: string;
  danger?: boolean;
  disabled?: boolean;
  /** Extra controls inside the dialog (a strategy select, an instance count). */
  children?: ReactNode;
}

export function ConfirmAction(props: ConfirmActionProps) {
  const dialog = useRef<HTMLDialogElement>(null);
  const [busy, setBusy] = useState(false);
  const [outcome, setOutcome] = useState<{ ok: boolean; text: string } | undefined>();
  const open = () => {
    setOutcome(undefined);
    const d = dialog.current;
    if (d && typeof d.showModal === 'function') d.showModal();
    else void confirm();
  };
  const confirm = async () => {
    dialog.current?.close();
    setBusy(true);
    try {
      const result = await props.run();
      setOutcome({ ok: true, text: typeof result === 'string' ? result : 'done' });
    } catch (error) {
      setOutcome({
        ok: false,
        text: error instanceof ApiError ? `${error.message} (${error.code})` : String(error),
      });
    } finally {
      setBusy(false);
    }
  };
  return (
    <span className="action">
      <button
        type="button"
        className={props.danger ? 'danger' : undefined}
        disabled={props.disabled || busy}
        aria-busy={busy}
        onClick={open}
      >
        {busy ? `${props.label}…` : props.label}
      </button>
      {outcome ? (
        <span className={outcome.ok ? 'outcome ok' : 'outcome bad'} role="status">
          {outcome.text}
        </span>
      ) : null}
      <dialog ref={dialog} aria-label={props.label}>
        <form
          method="dialog"
          onSubmit={(event) => {
            event.preventDefault();
            void confirm();
          }}
        >
          <p>{props.question}</p>
          {props.children}
          <div className="dialog-buttons">
            <button type="button" onClick={() => dialog.current?.close()}>
              Cancel
            </button>
            <button type="submit" className={props.danger ? 'danger' : 'primary'} autoFocus>
              {props.confirmLabel ?? props.label}
            </button>
          </div>
        </form>
      </dialog>
    </span>
  );
}

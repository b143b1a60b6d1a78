/**
 * The sidebar's "Re-run in a fresh kernel" section: the button, then the progress and a
 * Cancel button while the run is under way, then its findings, labelled as coming from
 * a fresh-kernel run and when it ran.
 */
import { UseSignal } from '@jupyterlab/ui-components';
import React from 'react';

import type { RuleInfo } from './api';
import { FindingRow, type IRowActions } from './findingrow';
import type { INotebookHandle } from './model';
import { formatDuration, RerunModel, type IRerunView } from './rerun';

export interface IRerunActions extends IRowActions {
  rerun(): void;
  cancelRerun(): void;
}

export function RerunSection({
  handle,
  rerun,
  rules,
  actions
}: {
  handle: INotebookHandle;
  rerun: RerunModel;
  rules: ReadonlyMap<string, RuleInfo>;
  actions: IRerunActions;
}) {
  return (
    <UseSignal signal={rerun.changed} shouldUpdate={(_, changed) => changed === handle}>
      {() => <RerunBody view={rerun.view(handle)} rules={rules} actions={actions} />}
    </UseSignal>
  );
}

const EXPLAIN =
  'Run a copy of this notebook (as the editor holds it) top to bottom in a new kernel on the ' +
  "server, never this notebook's kernel, and report what fails or does not reproduce (NBP110-NBP112).";

function RerunBody({
  view,
  rules,
  actions
}: {
  view: IRerunView | null;
  rules: ReadonlyMap<string, RuleInfo>;
  actions: IRerunActions;
}) {
  const running = view !== null && !['done', 'error', 'cancelled'].includes(view.state);
  return (
    <section className="nbprod-rerun" data-state={view?.state ?? 'none'} aria-label="Fresh-kernel run">
      {running ? (
        <div className="nbprod-rerun-bar">
          <RerunProgress view={view} />
          <button
            className="nbprod-rerun-cancel jp-Button jp-mod-styled jp-mod-warn"
            disabled={view.state === 'cancelling'}
            title="Stop the run: its kernel is shut down at once"
            onClick={() => actions.cancelRerun()}
          >
            Cancel
          </button>
        </div>
      ) : (
        <div className="nbprod-rerun-bar">
          <button
            className="nbprod-rerun-start jp-Button jp-mod-styled"
            title={EXPLAIN}
            onClick={() => actions.rerun()}
          >
            Re-run in a fresh kernel
          </button>
        </div>
      )}
      {view !== null && !running && <RerunResult view={view} rules={rules} actions={actions} />}
    </section>
  );
}

function RerunProgress({ view }: { view: IRerunView }) {
  const { done, total } = view.progress ?? {};
  const known = typeof done === 'number' && typeof total === 'number' && total > 0;
  return (
    <div className="nbprod-rerun-progress" role="status" aria-live="polite">
      {/* without a cell count (kernel starting, queued) the bar is indeterminate */}
      {known ? <progress max={total} value={done} /> : <progress />}
      <span className="nbprod-rerun-progress-text">{view.progressText}</span>
      <span className="nbprod-rerun-elapsed">{formatDuration(view.elapsedMs)}</span>
    </div>
  );
}

function RerunResult({
  view,
  rules,
  actions
}: {
  view: IRerunView;
  rules: ReadonlyMap<string, RuleInfo>;
  actions: IRowActions;
}) {
  const when = view.finishedAt?.toLocaleTimeString() ?? '';
  const label =
    view.state === 'done'
      ? `Fresh-kernel run at ${when}, took ${formatDuration(view.elapsedMs)}`
      : view.state === 'cancelled'
        ? `Fresh-kernel run cancelled at ${when}, after ${formatDuration(view.elapsedMs)}`
        : `Fresh-kernel run failed at ${when}`;
  return (
    <div className="nbprod-rerun-result">
      <h3
        className="nbprod-rerun-title"
        title="These findings come from running a copy in a new kernel, not from the checks"
      >
        {label}
      </h3>
      {view.error !== null && <div className="nbprod-error nbprod-rerun-error">{view.error}</div>}
      {view.notes.map(note => (
        <div className="nbprod-rerun-note" key={note}>
          {note}
        </div>
      ))}
      {view.state === 'done' && view.entries.length === 0 && view.gone === 0 && view.notes.length === 0 && (
        <p className="nbprod-rerun-clean">Reproduces: every cell ran and the stored outputs match.</p>
      )}
      {view.entries.length > 0 && (
        <ul className="nbprod-findings">
          {view.entries.map(entry => (
            <FindingRow key={entry.key} entry={entry} rule={rules.get(entry.finding.code)} controls={actions} />
          ))}
        </ul>
      )}
      {view.gone > 0 && (
        <p className="nbprod-rerun-note">
          {view.gone} finding{view.gone === 1 ? ' is' : 's are'} about cells deleted since the run.
        </p>
      )}
    </div>
  );
}

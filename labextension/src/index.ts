/**
 * nbprod for JupyterLab: the "Production checklist" sidebar, cell marks, a status-bar
 * count and the check / tag / export / re-run commands. This file only wires the pieces.
 */
import { JupyterFrontEnd, JupyterFrontEndPlugin } from '@jupyterlab/application';
import { Dialog, ICommandPalette, InputDialog, showDialog, showErrorMessage } from '@jupyterlab/apputils';
import { Cell, ICellModel, MarkdownCell } from '@jupyterlab/cells';
import { PathExt } from '@jupyterlab/coreutils';
import { INotebookTracker, NotebookPanel } from '@jupyterlab/notebook';
import { ISettingRegistry } from '@jupyterlab/settingregistry';
import { IStatusBar } from '@jupyterlab/statusbar';
import { Signal } from '@lumino/signaling';
import React from 'react';

import { ApiError, ExportReport, ExportRequest, Finding, NbprodClient } from './api';
import { CellMarks } from './cellmarks';
import { ChecklistModel, DEFAULT_SETTINGS, ISettings, UNDO_HINT } from './model';
import { notebookEdits } from './notebookedits';
import { InlineCode } from './findingrow';
import { NotebookWatcher } from './notebooks';
import { ChecklistPanel, ChecklistStatus, ExportSummary } from './panel';
import { RerunModel } from './rerun';

const PLUGIN_ID = 'nbprod:plugin';

export namespace CommandIDs {
  export const check = 'nbprod:check';
  export const tagExport = 'nbprod:tag-export';
  export const exportPackage = 'nbprod:export';
  export const open = 'nbprod:open-checklist';
  export const rerun = 'nbprod:rerun';
  export const cancelRerun = 'nbprod:cancel-rerun';
  export const fixAllSafe = 'nbprod:fix-all-safe';
}

const EXPORT_TAG = 'export';

function isExportTag(tag: string): boolean {
  return tag === EXPORT_TAG || tag.startsWith(`${EXPORT_TAG}:`);
}

function tagsOf(model: ICellModel): string[] {
  const tags = model.getMetadata('tags');
  return Array.isArray(tags) ? tags.filter((t): t is string => typeof t === 'string') : [];
}

function readSettings(settings: ISettingRegistry.ISettings): ISettings {
  const composite = settings.composite;
  return {
    autoCheck: typeof composite.autoCheck === 'boolean' ? composite.autoCheck : DEFAULT_SETTINGS.autoCheck,
    debounceMs: typeof composite.debounceMs === 'number' ? composite.debounceMs : DEFAULT_SETTINGS.debounceMs,
    ignore: Array.isArray(composite.ignore) ? composite.ignore.filter((s): s is string => typeof s === 'string') : []
  };
}

/**
 * Activate the finding's cell, bring it into view and put the cursor on the line.
 *
 * The scroll is started, not awaited: the notebook's scroll promise settles only when
 * its scrolling stops (seconds on a long windowed notebook), while the cell is on
 * screen as soon as it is rendered.
 */
async function reveal(app: JupyterFrontEnd, panel: NotebookPanel, finding: Finding): Promise<void> {
  const notebook = panel.content;
  let index = finding.cell_id !== null ? notebook.widgets.findIndex(c => c.model.id === finding.cell_id) : -1;
  if (index < 0) {
    index = finding.cell_index;
  }
  if (index < 0 || index >= notebook.widgets.length) {
    return;
  }
  if (app.shell.currentWidget !== panel) {
    app.shell.activateById(panel.id);
  }
  notebook.mode = 'command';
  notebook.deselectAll();
  notebook.activeCellIndex = index;
  notebook.scrollToItem(index, 'center').catch(() => undefined); // superseded by a newer scroll: fine
  const cell: Cell = notebook.widgets[index];
  await cell.ready; // a windowed notebook builds the editor only once the cell is shown
  await attached(cell); // ... and in 'full' windowing attaches it a frame after the scroll
  if (notebook.isDisposed || notebook.activeCell !== cell || cell instanceof MarkdownCell) {
    return; // another jump came first; a rendered markdown cell has no cursor to place
  }
  notebook.mode = 'edit';
  const editor = cell.editor;
  if (editor) {
    const line = Math.min(Math.max(finding.line - 1, 0), editor.lineCount - 1);
    editor.setCursorPosition({ line, column: Math.max(finding.column - 1, 0) });
    editor.focus();
    keepFocus(app, notebook, cell);
  }
}

/**
 * While a 'full'-windowed notebook settles its scroll it may detach and re-attach the
 * cell, which drops the focus to the shell: put it back, for up to a second, unless
 * the user has put it somewhere else.
 */
function keepFocus(app: JupyterFrontEnd, notebook: NotebookPanel['content'], cell: Cell): void {
  const until = performance.now() + 1000;
  const poll = (): void => {
    if (cell.isDisposed || notebook.activeCell !== cell || notebook.mode !== 'edit' || !cell.editor) {
      return;
    }
    const focus = document.activeElement;
    const dropped = focus === null || focus === document.body || focus === app.shell.node;
    if (dropped && cell.node.isConnected) {
      cell.editor.focus();
    } else if (!dropped && !cell.node.contains(focus)) {
      return; // the user moved on
    }
    if (performance.now() < until) {
      requestAnimationFrame(poll);
    }
  };
  requestAnimationFrame(poll);
}

/** Resolves once the cell's node is in the document (focus on a detached node is lost), or after ~1 s. */
function attached(cell: Cell): Promise<void> {
  return new Promise(resolve => {
    let frames = 0;
    const poll = (): void => {
      if (cell.node.isConnected || cell.isDisposed || ++frames > 60) {
        resolve();
      } else {
        requestAnimationFrame(poll);
      }
    };
    poll();
  });
}

const plugin: JupyterFrontEndPlugin<void> = {
  id: PLUGIN_ID,
  description: 'Production-checklist findings for the active notebook, live hidden state and export.',
  autoStart: true,
  requires: [INotebookTracker],
  optional: [ICommandPalette, ISettingRegistry, IStatusBar],
  activate: (
    app: JupyterFrontEnd,
    tracker: INotebookTracker,
    palette: ICommandPalette | null,
    settingRegistry: ISettingRegistry | null,
    statusBar: IStatusBar | null
  ) => {
    const client = new NbprodClient();
    const model = new ChecklistModel(client);
    const rerun = new RerunModel(client);
    const watcher = new NotebookWatcher(tracker, model);
    const activeHandle = () => (tracker.currentWidget ? watcher.handleFor(tracker.currentWidget) : undefined);
    // a badge's click opens the sidebar (its tooltip already names the rules)
    new CellMarks(
      tracker,
      model,
      panel => watcher.handleFor(panel),
      () => app.shell.activateById('nbprod-checklist')
    );

    model.loadRules().catch(error => console.warn('nbprod: could not load the rule catalog', error));

    const { commands } = app;
    const sidebar = new ChecklistPanel(model, rerun, {
      reveal: finding => {
        const panel = tracker.currentWidget;
        if (panel) {
          void reveal(app, panel, finding);
        }
      },
      fix: finding => void fix(finding),
      fixAllSafe: () => void commands.execute(CommandIDs.fixAllSafe),
      check: () => void model.check(),
      rerun: () => void commands.execute(CommandIDs.rerun),
      cancelRerun: () => void commands.execute(CommandIDs.cancelRerun)
    });
    app.shell.add(sidebar, 'right', { rank: 600 });
    const openSidebar = (): void => app.shell.activateById(sidebar.id);

    // A fix edits the open notebook (one undo step), never the file; an unsafe one asks first.
    const fix = async (finding: Finding): Promise<void> => {
      const panel = tracker.currentWidget;
      const handle = panel ? watcher.handleFor(panel) : undefined;
      if (!panel || !handle || !finding.fix) {
        return;
      }
      if (finding.fix.applicability === 'unsafe') {
        const answer = await showDialog({
          title: `Apply an unsafe fix for ${finding.code}?`,
          body: React.createElement(InlineCode, {
            text: `${finding.fix.message}. This changes what the code does: review the change before saving (${UNDO_HINT}).`
          }),
          buttons: [Dialog.cancelButton(), Dialog.warnButton({ label: 'Apply fix' })]
        });
        if (!answer.button.accept || panel.isDisposed) {
          return;
        }
      }
      const edits = notebookEdits(panel);
      if (edits) {
        model.fix(handle, [finding], edits);
      }
    };

    if (settingRegistry) {
      settingRegistry
        .load(PLUGIN_ID)
        .then(settings => {
          model.updateSettings(readSettings(settings));
          settings.changed.connect(() => model.updateSettings(readSettings(settings)));
        })
        .catch(error => console.warn('nbprod: could not load settings', error));
    }

    commands.addCommand(CommandIDs.check, {
      label: 'Check notebook',
      caption: 'Check the notebook against the production checklist now',
      isEnabled: () => tracker.currentWidget !== null,
      execute: async () => {
        openSidebar();
        await model.check();
      }
    });

    // A replay runs in a new kernel on the server (never this notebook's): its findings
    // (NBP110-NBP112) show in the sidebar; closing the notebook cancels it.
    commands.addCommand(CommandIDs.rerun, {
      label: 'Re-run in a fresh kernel',
      caption: 'Run a copy of the notebook top to bottom in a new kernel and report what does not reproduce',
      isEnabled: () => {
        const handle = activeHandle();
        return handle !== undefined && handle.ready && !rerun.isRunning(handle);
      },
      execute: async () => {
        const handle = activeHandle();
        if (handle?.ready) {
          openSidebar();
          await rerun.start(handle);
        }
      }
    });
    commands.addCommand(CommandIDs.cancelRerun, {
      label: 'Cancel the fresh-kernel re-run',
      isEnabled: () => {
        const handle = activeHandle();
        return handle !== undefined && rerun.isRunning(handle);
      },
      execute: async () => {
        const handle = activeHandle();
        if (handle) {
          await rerun.cancel(handle);
        }
      }
    });
    rerun.changed.connect(() => {
      commands.notifyCommandChanged(CommandIDs.rerun);
      commands.notifyCommandChanged(CommandIDs.cancelRerun);
    });
    const cancelOnClose = (panel: NotebookPanel): void => {
      panel.disposed.connect(() => rerun.close(panel.id));
    };
    tracker.forEach(cancelOnClose);
    tracker.widgetAdded.connect((_, panel) => cancelOnClose(panel));

    commands.addCommand(CommandIDs.fixAllSafe, {
      label: 'Fix all safe findings',
      caption: `Apply every safe fix to the notebook (${UNDO_HINT})`,
      isEnabled: () => {
        const handle = activeHandle();
        return handle !== undefined && (model.view(handle)?.safeFixes ?? 0) > 0;
      },
      execute: () => {
        const panel = tracker.currentWidget;
        const handle = activeHandle();
        const edits = panel ? notebookEdits(panel) : null;
        if (handle && edits) {
          model.fixAllSafe(handle, edits);
        }
      }
    });

    commands.addCommand(CommandIDs.open, {
      label: 'Show production checklist',
      execute: openSidebar
    });

    commands.addCommand(CommandIDs.tagExport, {
      label: 'Tag cell for export',
      caption: 'Toggle the "export" tag on the selected cells',
      isEnabled: () => tracker.activeCell !== null,
      isToggled: () => {
        const cell = tracker.activeCell;
        return cell !== null && tagsOf(cell.model).some(isExportTag);
      },
      execute: () => {
        const notebook = tracker.currentWidget?.content;
        const active = tracker.activeCell;
        if (!notebook || !active) {
          return;
        }
        // The active cell decides: tag all selected cells, or untag them all.
        const tag = !tagsOf(active.model).some(isExportTag);
        for (const cell of notebook.widgets.filter(c => notebook.isSelectedOrActive(c))) {
          const kept = tagsOf(cell.model).filter(t => !isExportTag(t));
          const tags = tag ? [...kept, EXPORT_TAG] : kept;
          if (tags.length > 0) {
            cell.model.setMetadata('tags', tags);
          } else {
            cell.model.deleteMetadata('tags');
          }
        }
        commands.notifyCommandChanged(CommandIDs.tagExport);
      }
    });

    commands.addCommand(CommandIDs.exportPackage, {
      label: 'Export tagged cells to package…',
      caption: 'Write the cells tagged "export" as a tested Python package',
      isEnabled: () => tracker.currentWidget !== null,
      execute: async () => {
        const panel = tracker.currentWidget;
        if (!panel) {
          return;
        }
        const path = panel.context.localPath;
        const stem = PathExt.basename(path, PathExt.extname(path))
          .replace(/[^A-Za-z0-9_]+/g, '_')
          .toLowerCase();
        const answer = await InputDialog.getText({
          title: 'Export tagged cells to package',
          label: 'Package directory, relative to the server root',
          text: PathExt.join(PathExt.dirname(path), `${stem}_package`)
        });
        if (!answer.button.accept || !answer.value) {
          return;
        }
        if (panel.context.model.dirty) {
          await panel.context.save(); // the exporter reads the file: export what is on screen
        }
        await runExport(model, { path, output: answer.value });
      }
    });

    if (palette) {
      const category = 'Production checklist';
      for (const command of [
        CommandIDs.check,
        CommandIDs.rerun,
        CommandIDs.cancelRerun,
        CommandIDs.fixAllSafe,
        CommandIDs.tagExport,
        CommandIDs.exportPackage,
        CommandIDs.open
      ]) {
        palette.addItem({ command, category });
      }
    }

    if (statusBar) {
      const activeChanged = new Signal<ChecklistModel, void>(model);
      tracker.currentChanged.connect(() => activeChanged.emit());
      statusBar.registerStatusItem('nbprod:status', {
        item: new ChecklistStatus(model, openSidebar),
        align: 'left',
        rank: 4,
        isActive: () => tracker.currentWidget !== null,
        activeStateChanged: activeChanged
      });
    }
  }
};

async function runExport(model: ChecklistModel, request: ExportRequest): Promise<void> {
  let report: ExportReport;
  try {
    report = await model.exportPackage(request);
  } catch (error) {
    const title = error instanceof ApiError && error.status === 501 ? 'Export not available' : 'Export failed';
    await showErrorMessage(title, error instanceof Error ? error.message : String(error));
    return;
  }
  if (report.error) {
    await showErrorMessage('Export failed', report.error);
    return;
  }
  const body = React.createElement(ExportSummary, { report });
  if (report.refused.length > 0 && !request.force && report.refusals.length === 0) {
    // Generated files were edited by hand: offer to overwrite them, never silently.
    const answer = await showDialog({
      title: 'Export refused',
      body,
      buttons: [Dialog.cancelButton(), Dialog.warnButton({ label: 'Overwrite' })]
    });
    if (answer.button.accept) {
      await runExport(model, { ...request, force: true });
    }
    return;
  }
  const refused = report.refusals.length > 0 || report.refused.length > 0;
  await showDialog({ title: refused ? 'Export refused' : 'Package exported', body, buttons: [Dialog.okButton()] });
}

export default plugin;

// Real training for bench:tune's searches (`node bench/tune.mjs real`): each trial is one fit for its whole epoch
// budget, held after the epoch its rung ends at until the search promotes it (weights and optimizer state as they
// were, as the study's checkpoint keeps them) or the search ends (then the fit is stopped at its next batch).

/** A trial trained by `train(arm, lr, epochs, hooks)` (a task's trainer), an epoch budget at a time. */
class HeldTrial {
  #logs = [];
  #target = 0;
  #since = 0;
  #closed = false;
  #go;
  #arrived;
  #done;
  #error;
  #fit;

  /** Nothing trains until the first `trainTo`. */
  constructor(train, { arm, lr, epochs }) {
    this.#fit = () => train(arm, lr, epochs, { onEpoch: (l) => this.#epoch(l), onBatch: () => this.#closed });
  }

  /** Trains on to `to` epochs; the new epochs' validation accuracy and seconds (not counting the time held). */
  async trainTo(to) {
    const from = this.#logs.length;
    this.#target = to;
    const arrived = new Promise((resolve) => (this.#arrived = resolve));
    this.#since = performance.now();
    if (!this.#done) this.#start();
    else this.#release();
    await arrived;
    if (this.#error) throw this.#error;
    return this.#logs.slice(from, to);
  }

  /** Ends the fit: a held one goes on only to stop at its next batch. */
  async close() {
    this.#closed = true;
    this.#release();
    await this.#done;
  }

  #start() {
    this.#done = this.#fit().then(
      (r) => {
        r.model?.dispose();
        this.#arrived?.();
      },
      (err) => {
        this.#error = err;
        this.#arrived?.();
      },
    );
  }

  async #epoch(l) {
    const now = performance.now();
    this.#logs.push({ value: l.valAccuracy, seconds: (now - this.#since) / 1000 });
    this.#since = now;
    if (this.#logs.length < this.#target) return;
    const held = new Promise((resolve) => (this.#go = resolve));
    this.#arrived?.();
    await held;
  }

  #release() {
    const go = this.#go;
    this.#go = undefined;
    go?.();
  }
}

/** A trainer for bench/tune.mjs's search loop on a task's real training: one held fit per trial. */
export function realTrainer(train, { maxEpochs = 27 } = {}) {
  const trials = new Map();
  return {
    start: async (trial, s) => {
      const arm = { candidate: s.candidate, strategy: s.strategy };
      trials.set(trial, new HeldTrial(train, { arm, lr: s.learningRate, epochs: maxEpochs }));
    },
    train: (trial, _from, to) => trials.get(trial).trainTo(to),
    /** Ends one trial's fit (a trial the search will not promote). */
    stop: async (trial) => {
      await trials.get(trial)?.close();
      trials.delete(trial);
    },
    close: async () => {
      for (const t of trials.values()) await t.close();
    },
  };
}

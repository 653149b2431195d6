import type { LrSchedule } from '@anneal/contracts';

/**
 * The learning rate for each epoch. Step and cosine depend on the epoch alone (so a resumed attempt picks up where
 * it was); plateau reacts to val_loss and restarts its patience count after a resume.
 */
export class LearningRateSchedule {
  private current: number;
  private best = Infinity;
  private wait = 0;

  constructor(private readonly options: { schedule: LrSchedule; base: number; epochs: number }) {
    this.current = options.base;
  }

  /** The rate to train `epoch` with. */
  at(epoch: number): number {
    const { schedule, base, epochs } = this.options;
    switch (schedule.kind) {
      case 'constant':
        return base;
      case 'step':
        return base * schedule.factor ** Math.floor(epoch / schedule.everyEpochs);
      case 'cosine': {
        const t = epochs <= 1 ? 0 : epoch / (epochs - 1);
        return schedule.minLearningRate + 0.5 * (base - schedule.minLearningRate) * (1 + Math.cos(Math.PI * t));
      }
      case 'plateau':
        return this.current;
    }
  }

  /** Tells the schedule how an epoch ended (plateau lowers the rate after `patience` epochs without improvement). */
  observe(valLoss: number): void {
    if (this.options.schedule.kind !== 'plateau') return;
    if (valLoss < this.best) {
      this.best = valLoss;
      this.wait = 0;
    } else if (++this.wait >= this.options.schedule.patience) {
      this.current = Math.max(this.options.schedule.minLearningRate, this.current * this.options.schedule.factor);
      this.wait = 0;
    }
  }
}

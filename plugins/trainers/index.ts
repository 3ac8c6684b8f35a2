import type { Trainer } from '../../core/ports/trainer.ts';
import type { SiaConfig } from '../../loop/config.ts';
import { createLocalTrainer } from './local.ts';
import { createModalTrainer, type ModalClientLike } from './modal.ts';
import { createTinyTrainer } from './tiny.ts';

export interface TrainerInput {
  config: SiaConfig;
  workDir: string;
  /** A Modal client to use instead of the real SDK (tests pass an in-memory fake; never read from config files). */
  modalClient?: ModalClientLike;
}

/** Trainers: the one list of their names; the registry below has one factory each. */
export const trainerNames = ['tiny', 'local', 'modal'] as const;
export type TrainerName = (typeof trainerNames)[number];

export const trainers: Record<TrainerName, (input: TrainerInput) => Trainer> = {
  tiny: () => createTinyTrainer(),
  local: ({ config, workDir }: TrainerInput) => createLocalTrainer({ workDir, ...config.local }),
  modal: ({ config, modalClient }: TrainerInput) => createModalTrainer({ ...config.modal, client: modalClient }),
};

import { createInMemoryEventStore } from '../core/store/index.ts';
import { runEventStoreContract } from './contracts/event-store.case.ts';

runEventStoreContract('in-memory', () => createInMemoryEventStore());

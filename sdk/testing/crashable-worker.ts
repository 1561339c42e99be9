/** The real reranker worker with a fault switch in front of it (see crash-switch.ts). */
import './crash-switch.js';
import '../worker/worker.js';

import { Layer, LAYERS } from './generators';
import { platformLayer, WORKFLOW_LAYERS } from './generators-workflow';

/** Every layer with property generators. */
export const ALL_LAYERS: Layer[] = [...LAYERS, ...WORKFLOW_LAYERS, platformLayer];

